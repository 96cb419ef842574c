/* Hand-written, not generated: the addresses of the generated message descriptors. Swift imports the
 * descriptors as constants and would copy them; the wire census needs the originals, which the unpacked
 * messages point to. */
#ifndef WEIGHTKIT_ONNX_DESCRIPTORS_H
#define WEIGHTKIT_ONNX_DESCRIPTORS_H
#include "onnx.pb-c.h"

static inline const ProtobufCMessageDescriptor *wk_onnx_model_proto_descriptor(void) {
  return &onnx__model_proto__descriptor;
}

static inline const ProtobufCMessageDescriptor *wk_onnx_graph_proto_descriptor(void) {
  return &onnx__graph_proto__descriptor;
}

static inline const ProtobufCMessageDescriptor *wk_onnx_tensor_proto_descriptor(void) {
  return &onnx__tensor_proto__descriptor;
}
#endif
