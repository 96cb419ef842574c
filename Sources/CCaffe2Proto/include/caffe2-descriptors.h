/* Hand-written, not generated: the addresses of the generated message descriptors. Swift imports the
 * descriptors as constants and would copy them; the wire census needs the originals, which the unpacked
 * messages point to. */
#ifndef WEIGHTKIT_CAFFE2_DESCRIPTORS_H
#define WEIGHTKIT_CAFFE2_DESCRIPTORS_H
#include "caffe2.pb-c.h"

static inline const ProtobufCMessageDescriptor *wk_caffe2_net_def_descriptor(void) {
  return &caffe2__net_def__descriptor;
}

static inline const ProtobufCMessageDescriptor *wk_caffe2_tensor_protos_descriptor(void) {
  return &caffe2__tensor_protos__descriptor;
}

static inline const ProtobufCMessageDescriptor *wk_caffe2_tensor_proto_descriptor(void) {
  return &caffe2__tensor_proto__descriptor;
}
#endif
