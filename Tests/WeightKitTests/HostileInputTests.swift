import Foundation
import WeightKitTestSupport
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

/// Every fixture of every format, cut short at many offsets and with bytes flipped at random: each read
/// either fails with a WeightKitError or succeeds, and a failed conversion leaves nothing behind. A crash or
/// trap here fails the whole test run.
@Suite struct HostileInputTests {
    static let fixtures = [
        "safetensors/python-written.safetensors", "pytorch/resnet-zip.pth", "pytorch/resnet-legacy.pth",
        "pytorch/views-zip.pth", "pytorch/resnet-torchscript.pt", "pytorch/resnet-protocol4.pth",
        "pytorch/resnet-deflate.pth", "detectron/detectron-py2.pkl", "detectron/dtypes-protocol5.pkl",
        "pickle/plain-data-protocol0.pkl", "mxnet/sparse.params", "mxnet/npx-arrays.params",
        "mxnet/resnetlike-0000.params", "numpy/fortran.npy", "numpy/arrays-compressed.npz",
        "caffe2/init_net.pb", "caffe2/tensors.pb",
    ]

    /// A small deterministic generator, so a failure names a reproducible case.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    /// The kinds a damaged file may fail with: never `io` (the file is there), `invalidArgument` or worse.
    static let damageKinds: Set<WeightKitError.Kind> = [.truncated, .malformed, .unsupported, .limitExceeded, .unsafe]

    /// Reads a damaged copy: it fails with a damage kind and a one-line message naming the file, or reads
    /// tensors whose bytes agree with their shapes; a conversion of it fails the same way leaving nothing, or
    /// writes a file that reads back with the same tensors. `mustFail` is for cuts of formats that end with
    /// a marker or a directory (all but protobufs, whose messages have no end marker).
    private func attempt(_ bytes: [UInt8], in scratch: ScratchDirectory, mustFail: Bool = false, _ label: String) throws {
        let path = try scratch.write(bytes, to: "case.bin")
        let output = scratch.path("out.bin")
        do {
            let collection = try WeightFile.read(path)
            #expect(!mustFail, "\(label): a cut file read as \(collection.count) tensors")
            for tensor in collection.tensors {
                #expect(try tensor.shape.byteCount(of: tensor.dtype) == tensor.data.count, "\(label): \(tensor.name)")
            }
        } catch {
            #expect(Self.damageKinds.contains(error.kind), "\(label): \(error.kind): \(error)")
            #expect(error.file == path, "\(label): \(error)")
            #expect(!error.reason.isEmpty && !error.description.contains("\n"), "\(label): \(error)")
        }
        if (try? Conversion().run(from: path, to: output)) != nil {
            let written = try WeightFile.read(output)
            #expect(written.count > 0, "\(label)")
            try FileManager.default.removeItem(atPath: output)
        }
        #expect(scratch.contents == ["case.bin"], "\(label) left \(scratch.contents)")
    }

    @Test(arguments: fixtures)
    func truncationsFailCleanly(fixture: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(fixture))))
        let scratch = try ScratchDirectory()
        var cuts = Set((0..<min(bytes.count, 64)).map { $0 })
        var generator = Generator(state: UInt64(bytes.count))
        for _ in 0..<150 { cuts.insert(generator.next(bytes.count)) }
        let endless = fixture.hasSuffix(".pb")
        for cut in cuts.sorted() {
            try attempt(Array(bytes[..<cut]), in: scratch, mustFail: !endless, "\(fixture) cut at \(cut)")
        }
    }

    @Test(arguments: fixtures)
    func byteFlipsFailCleanlyOrRead(fixture: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(fixture))))
        let scratch = try ScratchDirectory()
        var generator = Generator(state: 0xF11B ^ UInt64(bytes.count))
        for _ in 0..<150 {
            var mutated = bytes
            for _ in 0..<(1 + generator.next(4)) {
                let position = generator.next(mutated.count)
                mutated[position] = generator.next(4) == 0 ? 0xFF : UInt8(generator.next(256))
            }
            try attempt(mutated, in: scratch, "\(fixture) with bytes flipped")
        }
    }

    @Test func failedConversionsOfDamagedFilesLeaveNothing() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("pytorch/resnet-zip.pth"))))
        let scratch = try ScratchDirectory()
        var generator = Generator(state: 7)
        for _ in 0..<40 {
            let source = try scratch.write(Array(bytes[..<generator.next(bytes.count)]), to: "cut.pth")
            let output = scratch.path("out.bin")
            if (try? Conversion().run(from: source, to: output)) == nil {
                #expect(scratch.contents == ["cut.pth"])
            } else {
                try FileManager.default.removeItem(atPath: output)
            }
        }
    }
}
