import WeightKitCore

/// One output per box gathered into an (R, ...) map, one box per channel. The whole map is reserved in the
/// forward memory when the first box's size is known, before it grows.
struct PerBoxOutput {
    private let name: String
    private let boxes: Int
    private var values: [Float] = []
    private var reservation: ForwardMemory.Reservation?
    private var shape = (height: 0, width: 0)

    init(_ name: String, boxes: Int) {
        self.name = name
        self.boxes = boxes
    }

    mutating func append(_ map: FeatureMap, memory: ForwardMemory) throws(WeightKitError) {
        let height = map.channels &* map.height
        if reservation == nil {
            let (count, overflow) = boxes.multipliedReportingOverflow(by: map.values.count)
            reservation = try memory.reserve(overflow ? Int.max : count, of: MemoryLayout<Float>.size, for: "\(name) of \(boxes) boxes")
            shape = (height, map.width)
            values.reserveCapacity(count)
        }
        guard shape == (height, map.width) else {
            throw WeightKitError(.malformed, "\(name) changed shape from one box to the next")
        }
        values += map.values
    }

    var output: (String, FeatureMap) {
        var map = FeatureMap(channels: values.isEmpty ? 0 : boxes, height: shape.height, width: shape.width, values: values)
        map.reservation = reservation
        return (name, map)
    }
}
