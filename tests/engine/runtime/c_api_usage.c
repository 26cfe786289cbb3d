/* Compiled as C: proves that engine/runtime/c_api.h is a C header, and drives the runtime the
 * way C firmware would. c_api_test.cpp calls tnm_c_usage_run() and checks what it returns. */
#include <string.h>

#include "engine/runtime/c_api.h"

struct op_counter {
  uint32_t begins;
  uint32_t ends;
};

static void count_begin(void* ctx, uint16_t op) {
  (void)op;
  ((struct op_counter*)ctx)->begins++;
}

static void count_end(void* ctx, uint16_t op) {
  (void)op;
  ((struct op_counter*)ctx)->ends++;
}

tnm_status tnm_c_usage_run(const uint8_t* model, uint32_t model_size, uint8_t* arena,
                           uint32_t arena_size, uint8_t* scratch, uint32_t scratch_size,
                           const int8_t* input, uint32_t input_size, int8_t* output,
                           uint32_t output_size, uint32_t* ops_observed);

tnm_status tnm_c_usage_run(const uint8_t* model, uint32_t model_size, uint8_t* arena,
                           uint32_t arena_size, uint8_t* scratch, uint32_t scratch_size,
                           const int8_t* input, uint32_t input_size, int8_t* output,
                           uint32_t output_size, uint32_t* ops_observed) {
  static tnm_interpreter interpreter;
  tnm_model_info info;
  tnm_tensor_info in_info;
  tnm_tensor_info out_info;
  struct op_counter counter = {0, 0};
  tnm_op_observer observer;
  tnm_status status = tnm_validate(model, model_size, &info, NULL);
  if (status != TNM_OK) return status;
  if (info.arena_size > arena_size) return TNM_ARENA_TOO_SMALL;
  status = tnm_interpreter_init(&interpreter, model, model_size, arena, arena_size, scratch,
                                scratch_size, NULL);
  if (status != TNM_OK) return status;
  int8_t* in = tnm_input(&interpreter, &in_info);
  if (in == NULL || in_info.size_bytes != input_size) return TNM_NULL_ARGUMENT;
  memcpy(in, input, input_size);
  observer.begin = count_begin;
  observer.end = count_end;
  observer.ctx = &counter;
  status = tnm_invoke(&interpreter, &observer);
  if (status != TNM_OK) return status;
  const int8_t* out = tnm_output(&interpreter, &out_info);
  if (out == NULL || out_info.size_bytes != output_size) return TNM_NULL_ARGUMENT;
  memcpy(output, out, output_size);
  *ops_observed = counter.begins == counter.ends ? counter.begins : 0;
  return TNM_OK;
}

tnm_status tnm_c_training_run(const uint8_t* model, uint32_t model_size, uint8_t* arena,
                              uint32_t arena_size, uint8_t* scratch, uint32_t scratch_size,
                              const int8_t* input, uint32_t input_size, int32_t label,
                              uint32_t steps, float* first_loss, float* last_loss, int8_t* weights,
                              uint32_t weight_bytes, int32_t* bias, uint32_t bias_count);

/* Trains the model's first trained layer on one labelled sample for `steps` steps and copies its
 * updated weights and bias out. */
tnm_status tnm_c_training_run(const uint8_t* model, uint32_t model_size, uint8_t* arena,
                              uint32_t arena_size, uint8_t* scratch, uint32_t scratch_size,
                              const int8_t* input, uint32_t input_size, int32_t label,
                              uint32_t steps, float* first_loss, float* last_loss, int8_t* weights,
                              uint32_t weight_bytes, int32_t* bias, uint32_t bias_count) {
  static tnm_trainer trainer;
  tnm_training_info info;
  tnm_tensor_info in_info;
  tnm_trained_layer_info layer;
  uint32_t step;
  tnm_status status = tnm_training_validate(model, model_size, &info, NULL);
  if (status != TNM_OK) return status;
  if (info.arena_size > arena_size || info.scratch_size > scratch_size) return TNM_ARENA_TOO_SMALL;
  if (label < 0 || label >= info.class_count || info.trained_layer_count == 0) {
    return TNM_SHAPE_MISMATCH;
  }
  status = tnm_training_init(&trainer, model, model_size, arena, arena_size, scratch, scratch_size,
                             NULL);
  if (status != TNM_OK) return status;
  for (step = 0; step < steps; ++step) {
    float loss = 0.0f;
    int8_t* in = tnm_training_input(&trainer, &in_info);
    if (in == NULL || in_info.size_bytes != input_size) return TNM_NULL_ARGUMENT;
    memcpy(in, input, input_size);
    status = tnm_training_step(&trainer, label, &loss);
    if (status != TNM_OK) return status;
    if (step == 0) *first_loss = loss;
    *last_loss = loss;
  }
  status = tnm_trained_layer(&trainer, 0, &layer);
  if (status != TNM_OK) return status;
  if (layer.weights == NULL || layer.weight_bytes != weight_bytes || layer.bias == NULL ||
      layer.bias_count != bias_count || layer.name_length == 0) {
    return TNM_SHAPE_MISMATCH;
  }
  memcpy(weights, layer.weights, weight_bytes);
  memcpy(bias, layer.bias, sizeof(int32_t) * bias_count);
  return TNM_OK;
}
