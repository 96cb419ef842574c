import CCaffe2Proto
import CProtobufC
import WeightKitCore

/// Caffe2's three messages, each freed by its own generated function.
extension ProtobufMessage {
    static func netDef(_ bytes: UnsafeRawBufferPointer, budget: ReadBudget, fault: inout WeightKitError?)
        throws(WeightKitError) -> ProtobufMessage<Caffe2__NetDef>?
    {
        try ProtobufMessage<Caffe2__NetDef>.unpack(bytes, wk_caffe2_net_def_descriptor(), budget: budget, fault: &fault) {
            caffe2__net_def__free_unpacked($0, nil)
        }
    }

    static func tensorProtos(_ bytes: UnsafeRawBufferPointer, budget: ReadBudget, fault: inout WeightKitError?)
        throws(WeightKitError) -> ProtobufMessage<Caffe2__TensorProtos>?
    {
        try ProtobufMessage<Caffe2__TensorProtos>.unpack(bytes, wk_caffe2_tensor_protos_descriptor(), budget: budget, fault: &fault) {
            caffe2__tensor_protos__free_unpacked($0, nil)
        }
    }

    static func tensorProto(_ bytes: UnsafeRawBufferPointer, budget: ReadBudget, fault: inout WeightKitError?)
        throws(WeightKitError) -> ProtobufMessage<Caffe2__TensorProto>?
    {
        try ProtobufMessage<Caffe2__TensorProto>.unpack(bytes, wk_caffe2_tensor_proto_descriptor(), budget: budget, fault: &fault) {
            caffe2__tensor_proto__free_unpacked($0, nil)
        }
    }
}
