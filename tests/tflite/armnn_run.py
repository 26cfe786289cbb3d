#!/usr/bin/env python3
"""Runs a .tflite model with Arm NN (TfLite parser, CpuRef backend): an independent runtime
that checks the files our writer makes. One model per process.

  armnn_run.py --check                 exit 0 if pyarmnn and its CpuRef backend load
  armnn_run.py --load MODEL            parse, optimize and load the model, exit 0 if that works
  armnn_run.py MODEL INPUT... OUTPUT   feed each INPUT's raw values (int8, uint8 or float32, as
                                       the model's inputs take, in their order) and write its
                                       only output's raw values to OUTPUT

Run it with /usr/bin/python3: Debian's pyarmnn is installed for the system python.
"""
import sys


def fail(message):
    print(f"armnn_run: {message}", file=sys.stderr)
    sys.exit(1)


def load_armnn():
    try:
        import pyarmnn as ann
    except ImportError as error:
        fail(f"cannot import pyarmnn ({error})")
    return ann


def load(model_path):
    """Parses the model and loads it on CpuRef: (pyarmnn, runtime, network id, input and
    output bindings)."""
    ann = load_armnn()
    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(model_path)
    graph = 0
    input_names = parser.GetSubgraphInputTensorNames(graph)
    output_names = parser.GetSubgraphOutputTensorNames(graph)
    if len(output_names) != 1:
        fail(f"expected one output, got {output_names}")
    input_bindings = [parser.GetNetworkInputBindingInfo(graph, name) for name in input_names]
    output_binding = parser.GetNetworkOutputBindingInfo(graph, output_names[0])

    runtime = ann.IRuntime(ann.CreationOptions())
    optimized, _ = ann.Optimize(network, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(),
                                ann.OptimizerOptions())
    network_id, _ = runtime.LoadNetwork(optimized)
    return ann, runtime, network_id, input_bindings, output_binding


def run(model_path, input_paths, output_path):
    import numpy as np

    ann, runtime, network_id, input_bindings, output_binding = load(model_path)

    element_types = {
        ann.DataType_Float32: np.float32,
        ann.DataType_QAsymmS8: np.int8,
        ann.DataType_QAsymmU8: np.uint8,
    }
    if len(input_paths) != len(input_bindings):
        fail(f"the model takes {len(input_bindings)} inputs, {len(input_paths)} given")
    datas = []
    for input_path, input_binding in zip(input_paths, input_bindings):
        info = input_binding[1]
        if info.GetDataType() not in element_types:
            fail(f"input of Arm NN data type {info.GetDataType()} is not handled here")
        data = np.fromfile(input_path, dtype=element_types[info.GetDataType()])
        if data.size != info.GetNumElements():
            fail(f"{input_path} holds {data.size} values, the input takes {info.GetNumElements()}")
        datas.append(data)
    inputs = ann.make_input_tensors(input_bindings, datas)
    outputs = ann.make_output_tensors([output_binding])
    runtime.EnqueueWorkload(network_id, inputs, outputs)
    result = ann.workload_tensors_to_ndarray(outputs)[0]
    result.astype(element_types[output_binding[1].GetDataType()]).tofile(output_path)


def main(argv):
    if argv == ["--check"]:
        ann = load_armnn()
        runtime = ann.IRuntime(ann.CreationOptions())
        backends = [str(backend) for backend in runtime.GetDeviceSpec().GetSupportedBackends()]
        if "CpuRef" not in backends:
            fail(f"no CpuRef backend (backends: {backends})")
        return 0
    if len(argv) == 2 and argv[0] == "--load":
        try:
            load(argv[1])
        except Exception as error:
            fail(f"{type(error).__name__}: {error}")
        return 0
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        run(argv[0], argv[1:-1], argv[-1])
    except Exception as error:  # Arm NN reports parse and load failures as exceptions
        fail(f"{type(error).__name__}: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
