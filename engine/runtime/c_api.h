/* C interface of the tinynas int8 runtime, for firmware written in C. Every buffer belongs to
 * the caller: the model bytes (4-byte aligned), the arena, the scratch buffer and the
 * interpreter itself (an opaque struct of fixed size, e.g. a static variable). No heap.
 *
 *   tnm_model_info info;
 *   if (tnm_validate(model, model_size, &info, NULL) != TNM_OK) ...;      // sizes to reserve
 *   static tnm_interpreter interpreter;
 *   tnm_interpreter_init(&interpreter, model, model_size, arena, sizeof arena,
 *                        scratch, sizeof scratch, NULL);
 *   int8_t* in = tnm_input(&interpreter, NULL);  ... fill ...
 *   tnm_invoke(&interpreter, NULL);
 *   const int8_t* out = tnm_output(&interpreter, NULL);
 *
 * A model converted from a float network (tnm_tensor_info.real set) takes and gives real values:
 * tnm_set_input_real quantizes them into the input tensor, tnm_get_output_real dequantizes the
 * output (TFLite QUANTIZE / DEQUANTIZE arithmetic).
 *
 * A training model (format version 3, `tinynas compile --train-scheme`) trains on the device,
 * one labelled sample per step, in the same caller-owned memory:
 *
 *   tnm_training_info info;
 *   if (tnm_training_validate(model, model_size, &info, NULL) != TNM_OK) ...;
 *   static tnm_trainer trainer;
 *   tnm_training_init(&trainer, model, model_size, arena, sizeof arena, scratch, sizeof scratch,
 *                     NULL);
 *   int8_t* in = tnm_training_input(&trainer, NULL);  ... fill ...
 *   float loss;
 *   tnm_training_step(&trainer, label, &loss);
 *   tnm_trained_layer_info layer;
 *   tnm_trained_layer(&trainer, 0, &layer);            // the updated weights / bias in the arena
 */
#ifndef TINYNAS_ENGINE_RUNTIME_C_API_H_
#define TINYNAS_ENGINE_RUNTIME_C_API_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Same values as tinynas::runtime::Status. */
typedef enum tnm_status {
  TNM_OK = 0,
  TNM_NULL_ARGUMENT,
  TNM_TRUNCATED,
  TNM_BAD_MAGIC,
  TNM_UNSUPPORTED_VERSION,
  TNM_BAD_HEADER,
  TNM_CHECKSUM_MISMATCH,
  TNM_MISALIGNED,
  TNM_BAD_TENSOR,
  TNM_TENSOR_OUT_OF_BOUNDS,
  TNM_BAD_OPERAND_INDEX,
  TNM_BAD_OP_KIND,
  TNM_BAD_OP_PARAMETER,
  TNM_SHAPE_MISMATCH,
  TNM_CONSTANT_OUT_OF_BOUNDS,
  TNM_ARENA_TOO_SMALL,
  TNM_SCRATCH_TOO_SMALL,
  TNM_NOT_INITIALIZED,
  TNM_ARENA_OVERLAP,
  TNM_BAD_FUSED_GROUP,
  TNM_BAD_PATCH_STAGE,
  TNM_BAD_STREAMED_STAGE,
  TNM_BAD_TRAINING_SECTION,
  TNM_UNSUPPORTED_TRAIN_OP
} tnm_status;

/* Where validation failed: section 0 file, 1 header, 2 tensor table, 3 op table, 4 constant
 * pool, 5 training header, 6 train tensor table, 7 train op table, 8 trained layer table; index
 * is the record within its table; field the byte offset within the record. */
typedef struct tnm_validation_error {
  tnm_status status;
  uint8_t section;
  uint16_t index;
  uint32_t field;
} tnm_validation_error;

/* What a validated model needs from the caller. */
typedef struct tnm_model_info {
  uint32_t arena_size;   /* bytes of the arena to pass to tnm_interpreter_init */
  uint32_t scratch_size; /* bytes of the scratch buffer (0: none needed) */
  uint16_t tensor_count;
  uint16_t op_count;
} tnm_model_info;

/* An input or output tensor: NHWC shape and int8 quantization (real = scale * (q - zero_point));
 * real is 1 when the network's interface is real-valued there (the caller quantizes the input /
 * dequantizes the output), else 0. */
typedef struct tnm_tensor_info {
  int32_t n, h, w, c;
  uint32_t size_bytes;
  int32_t zero_point;
  float scale;
  int32_t real;
} tnm_tensor_info;

/* Called around every op with its index; either callback may be NULL. */
typedef struct tnm_op_observer {
  void (*begin)(void* ctx, uint16_t op);
  void (*end)(void* ctx, uint16_t op);
  void* ctx;
} tnm_op_observer;

#define TNM_INTERPRETER_STORAGE_WORDS 24

/* Opaque interpreter state; allocate it anywhere (static, stack), never touch its bytes. */
typedef struct tnm_interpreter {
  uint64_t storage[TNM_INTERPRETER_STORAGE_WORDS];
} tnm_interpreter;

#define TNM_TRAINER_STORAGE_WORDS 32

/* Opaque training state; allocate it anywhere (static, stack), never touch its bytes. */
typedef struct tnm_trainer {
  uint64_t storage[TNM_TRAINER_STORAGE_WORDS];
} tnm_trainer;

/* What a validated training model needs from the caller and what it trains. */
typedef struct tnm_training_info {
  uint32_t arena_size;   /* bytes of the arena to pass to tnm_training_init */
  uint32_t scratch_size; /* bytes of the scratch buffer (0: none needed) */
  uint16_t trained_layer_count;
  uint16_t class_count; /* labels of tnm_training_step: [0, class_count) */
  float learning_rate;
} tnm_training_info;

/* One trained layer: its op and name (name_length bytes, not NUL-terminated, inside the model
 * buffer), its current int8 weights (weight_bytes, the whole OHWI / 1HWC tensor; NULL when they
 * do not train) and int32 bias (bias_count values; NULL when it does not train), both in the
 * arena, and how many of its weight channels train (the scheme's ratio). */
typedef struct tnm_trained_layer_info {
  uint16_t op;
  uint16_t name_length;
  const char* name;
  const int8_t* weights;
  uint32_t weight_bytes;
  const int32_t* bias;
  uint32_t bias_count;
  uint16_t channel_count;
} tnm_trained_layer_info;

/* Checks the whole model; info and error may be NULL. */
tnm_status tnm_validate(const uint8_t* model, uint32_t model_size, tnm_model_info* info,
                        tnm_validation_error* error);

/* Validates the model and binds it to the caller's arena and scratch. error may be NULL. */
tnm_status tnm_interpreter_init(tnm_interpreter* interpreter, const uint8_t* model,
                                uint32_t model_size, uint8_t* arena, uint32_t arena_size,
                                uint8_t* scratch, uint32_t scratch_size,
                                tnm_validation_error* error);

/* Runs the model once on the current input; observer may be NULL. */
tnm_status tnm_invoke(tnm_interpreter* interpreter, const tnm_op_observer* observer);

/* The input tensor to fill before tnm_invoke and the output tensor after it (NULL when the
 * interpreter is not initialized); info, if not NULL, receives shape and quantization. */
int8_t* tnm_input(tnm_interpreter* interpreter, tnm_tensor_info* info);
const int8_t* tnm_output(const tnm_interpreter* interpreter, tnm_tensor_info* info);

/* Quantizes `count` real values (the input tensor's element count, else TNM_SHAPE_MISMATCH) into
 * the input tensor: round(x / scale) + zero_point, halves away from zero, clamped to int8. */
tnm_status tnm_set_input_real(tnm_interpreter* interpreter, const float* values, uint32_t count);

/* Dequantizes the output tensor into `count` floats (its element count, else
 * TNM_SHAPE_MISMATCH): scale * (q - zero_point). */
tnm_status tnm_get_output_real(const tnm_interpreter* interpreter, float* values, uint32_t count);

/* Checks a training model (the inference part and the training section); info and error may be
 * NULL. An inference model fails with TNM_BAD_HEADER at the header's flags. */
tnm_status tnm_training_validate(const uint8_t* model, uint32_t model_size, tnm_training_info* info,
                                 tnm_validation_error* error);

/* Validates the training model and binds it to the caller's arena and scratch: the trained
 * layers' parameters are copied into the arena, which then holds the model being trained (call
 * again to start over). The model bytes must outlive the trainer. error may be NULL. */
tnm_status tnm_training_init(tnm_trainer* trainer, const uint8_t* model, uint32_t model_size,
                             uint8_t* arena, uint32_t arena_size, uint8_t* scratch,
                             uint32_t scratch_size, tnm_validation_error* error);

/* The input tensor to fill before every step (NULL when the trainer is not initialized); info, if
 * not NULL, receives shape and quantization. */
int8_t* tnm_training_input(tnm_trainer* trainer, tnm_tensor_info* info);

/* One SGD step on the sample in the input with class `label` (else TNM_SHAPE_MISMATCH): forward,
 * loss gradient, backward and updates. loss, if not NULL, receives -ln(probability of label). */
tnm_status tnm_training_step(tnm_trainer* trainer, int32_t label, float* loss);

/* Trained layer `layer` (in [0, trained_layer_count), else TNM_SHAPE_MISMATCH) of an initialized
 * trainer. */
tnm_status tnm_trained_layer(const tnm_trainer* trainer, uint16_t layer,
                             tnm_trained_layer_info* info);

/* A short, stable description of a status ("CRC-32 checksum mismatch"). */
const char* tnm_status_message(tnm_status status);

/* Writes e.g. "op 3 (field 12): invalid op parameter" into buffer (NUL-terminated, truncated to
 * fit) and returns the length of the full message. */
uint32_t tnm_format_validation_error(const tnm_validation_error* error, char* buffer,
                                     uint32_t size);

#ifdef __cplusplus
}
#endif

#endif /* TINYNAS_ENGINE_RUNTIME_C_API_H_ */
