import Foundation

/// How a framework pools regions from a feature pyramid: which level each box reads, and ROIAlign's
/// sample placement. Recorded per layout as `weightkit.roi_align`.
public enum RoIAlignSemantics: String, Sendable, CaseIterable, Codable {
    /// torchvision's MultiScaleRoIAlign (as maskrcnn-benchmark and Detectron): aligned=False, 2x2 samples
    /// per bin, level floor(4 + log2(sqrt(area) / 224) + 1e-6) clamped to the pyramid.
    case torchvision
    /// detectron2's ROIAlignV2: aligned=True (half-pixel offset), samples per bin ceil(bin size), level
    /// floor(4 + log2(sqrt(area) / 224 + 1e-8)).
    case detectron2
    /// mmdetection's SingleRoIExtractor: mmcv RoIAlign (aligned=True, adaptive samples), level
    /// floor(log2(sqrt(area) / 56 + 1e-6)) from p2.
    case mmdet
    /// SimpleDet's ROIAlign_v2: no half-pixel offset, bin edges clipped to the map, the maximum (not the
    /// mean) of 2x2 bilinear samples at a third and two thirds of each bin; level
    /// floor(4 + log2(sqrt((w + 1)(h + 1)) / 224 + 1e-6)) (mxnext's fpn_roi_assign).
    case simpledet

    /// Whether sample positions carry ROIAlign's half-pixel offset (`aligned=True`).
    public var aligned: Bool { self == .detectron2 || self == .mmdet }
    /// Samples per bin along each axis; 0 means ceil(region size / output size), as both frameworks say it.
    public var samplingRatio: Int { self == .torchvision || self == .simpledet ? 2 : 0 }

    /// The pyramid level (2 for p2, ...) a box is pooled from, within `levels`.
    ///
    /// - Parameters:
    ///   - box: the region, in input pixels.
    ///   - levels: the pyramid levels the network has.
    /// - Returns: the level by this framework's formula, clamped to `levels`.
    public func level(of box: RegionOfInterest, levels: ClosedRange<Int>) -> Int {
        let size = self == .simpledet
            ? ((box.x2 - box.x1 + 1) * (box.y2 - box.y1 + 1)).squareRoot()
            : ((box.x2 - box.x1) * (box.y2 - box.y1)).squareRoot()
        let raw: Double
        switch self {
        case .torchvision: raw = (4 + log2(size / 224) + 1e-6).rounded(.down)
        case .simpledet: raw = (4 + log2(size / 224 + 1e-6)).rounded(.down)
        case .detectron2: raw = (4 + log2(size / 224 + 1e-8)).rounded(.down)
        case .mmdet: raw = 2 + log2(size / 56 + 1e-6).rounded(.down)
        }
        guard raw.isFinite else { return levels.lowerBound }
        return min(max(Int(raw), levels.lowerBound), levels.upperBound)
    }
}
