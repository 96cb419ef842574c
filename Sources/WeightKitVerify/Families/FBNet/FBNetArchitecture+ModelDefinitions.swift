extension FBNetArchitecture {
    /// Every architecture maskrcnn-benchmark defines (`MODEL_ARCH` and `MODEL_ARCH_CHAM`), as data: the rows
    /// `[t, n, s]` of each stage in order, and the stages of each part.
    static let modelDefinitions: [FBNetArchitecture] = [
        FBNetArchitecture(
            name: "default",
            stages: rows([[(1, 1, 1)], [(6, 2, 2)], [(6, 3, 2)], [(6, 4, 2), (6, 3, 1)],
                          [(4, 1, 2), (6, 2, 1), (6, 1, 1)], [(6, 3, 1)], [(4, 1, 1), (6, 3, 1), (3, 1, -2)]]),
            trunk: [0, 1, 2, 3], rpn: 5, box: 4, mask: 6),
        FBNetArchitecture(
            name: "xirb16d_dsmask",
            stages: rows([[(1, 1, 1)], [(6, 2, 2)], [(6, 3, 2)], [(6, 4, 2), (6, 3, 1)],
                          [(4, 1, 2), (6, 2, 1), (6, 1, 1)], [(4, 1, 2), (6, 2, 1), (6, 1, -2), (3, 1, -2)], [(6, 3, 1)]]),
            trunk: [0, 1, 2, 3], rpn: 6, box: 4, mask: 5),
        FBNetArchitecture(
            name: "mobilenet_v2",
            stages: rows([[(1, 1, 1)], [(6, 2, 2)], [(6, 3, 2)], [(6, 4, 2), (6, 3, 1)], [(6, 3, 1), (6, 1, 1)]]),
            trunk: [0, 1, 2, 3], rpn: nil, box: 4, mask: nil),
        FBNetArchitecture(
            name: "cham_v1a",
            stages: rows([[(1, 1, 1)], [(4, 2, 2)], [(7, 5, 2)], [(12, 7, 2), (8, 5, 1)], [(7, 4, 2), (10, 1, 1)], [(8, 3, 1)]]),
            trunk: [0, 1, 2, 3], rpn: 5, box: 4, mask: nil),
        FBNetArchitecture(
            name: "cham_v2",
            stages: rows([[(1, 1, 1)], [(8, 4, 2)], [(5, 6, 2)], [(9, 3, 2), (6, 6, 1)], [(2, 6, 2), (6, 1, 1)], [(6, 1, 1)]]),
            trunk: [0, 1, 2, 3], rpn: 5, box: 4, mask: nil),
    ]

    private static func rows(_ stages: [[(Double, Int, Int)]]) -> [[Row]] {
        stages.map { $0.map { Row(expansion: $0.0, count: $0.1, stride: $0.2) } }
    }
}
