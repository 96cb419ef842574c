import Foundation
import WeightKitTestSupport
import Testing

@testable import WeightKit
@testable import WeightKitCore
@testable import WeightKitFormats
@testable import WeightKitLayouts
@testable import WeightKitVerify

/// The output appears complete or not at all, and never replaces what another run wrote.
@Suite struct AtomicOutputFileTests {
    @Test func nothingHasANameUntilCommitted() throws {
        let scratch = try ScratchDirectory()
        let output = try AtomicOutputFile(destination: scratch.path("out.bin"), overwrite: false)
        try output.write([1, 2, 3])
        // A process killed now (SIGKILL included) leaves nothing: the file has no name yet.
        #expect(scratch.contents.isEmpty)
        try output.commit()
        #expect(scratch.contents == ["out.bin"])
        #expect(FileManager.default.contents(atPath: scratch.path("out.bin")) == Data([1, 2, 3]))
    }

    @Test func racingWritersCannotBothWin() throws {
        let scratch = try ScratchDirectory()
        let destination = scratch.path("out.bin")
        let first = try AtomicOutputFile(destination: destination, overwrite: false)
        let second = try AtomicOutputFile(destination: destination, overwrite: false)
        try first.write([1])
        try second.write([2])
        try first.commit()
        do {
            try second.commit()
            Issue.record("the second writer replaced the first")
        } catch {
            #expect(error.kind == .outputExists)
        }
        #expect(FileManager.default.contents(atPath: destination) == Data([1]))
        #expect(scratch.contents == ["out.bin"])
    }

    @Test func replacingLeavesOnlyTheNewFile() throws {
        let scratch = try ScratchDirectory()
        let destination = try scratch.write([9, 9], to: "out.bin")
        let output = try AtomicOutputFile(destination: destination, overwrite: true)
        try output.write([4, 5, 6])
        try output.commit()
        #expect(FileManager.default.contents(atPath: destination) == Data([4, 5, 6]))
        #expect(scratch.contents == ["out.bin"])
    }

    @Test func aMissingFolderIsNamed() throws {
        let scratch = try ScratchDirectory()
        do {
            _ = try AtomicOutputFile(destination: scratch.path("absent/out.bin"), overwrite: false)
            Issue.record("created a file in a folder that does not exist")
        } catch {
            #expect(error.description.contains("does not exist"), "\(error)")
        }
    }

    @Test func discardedOutputLeavesNothing() throws {
        let scratch = try ScratchDirectory()
        let output = try AtomicOutputFile(destination: scratch.path("out.bin"), overwrite: true)
        try output.write([1, 2])
        output.discard()
        #expect(scratch.contents.isEmpty)
    }
}

/// What a conversion records about its source.
@Suite struct ConversionRecordTests {
    @Test(arguments: ["pytorch/vovnet-zip.pth", "mxnet/resnetlike-0000.params", "detectron/detectron-py2.pkl"])
    func sourceDigestIsTheFilesSHA256(fixture: String) throws {
        let scratch = try ScratchDirectory()
        let output = scratch.path("out.bin")
        try Conversion().run(from: Fixtures.path(fixture), to: output)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(fixture)))
        let recorded = try WeightFile.read(output).metadata["weightkit.source_sha256"]
        #expect(recorded == Fixtures.sha256(TensorData(Array(bytes))))
    }
}
