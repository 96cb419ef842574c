/// The network families WeightKit knows, in the order they are recognised and run: backbones, necks, dense
/// heads, ROI heads, classifiers. The one list a new family is added to.
package enum NetworkFamilies {
    package static let all: [any NetworkFamily.Type] = [
        ResNetFamily.self, VoVNetFamily.self, FBNetFamily.self,
        FPNFamily.self, FPGFamily.self, ReduceNeckFamily.self,
        FCOSFamily.self, RPNFamily.self, RetinaNetFamily.self,
        BoxHeadFamily.self, C4HeadFamily.self, FBNetHeadFamily.self, MaskHeadFamily.self, KeypointHeadFamily.self,
        ClassifierFamily.self,
    ]
}
