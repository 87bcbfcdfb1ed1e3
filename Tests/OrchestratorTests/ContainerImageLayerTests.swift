import Foundation
import TestSupport
import Testing

/// Images whose layers are gzip-compressed tarballs (as registries store them and `podman save`
/// writes them), made with the real `tar` and `gzip`, scanned by `orchestrator scan --image`.
@Suite("Container images with compressed layers", .serialized)
struct ContainerImageLayerTests {
    /// Runs a tool in a folder; fails the test on a non-zero status.
    static func tool(_ path: String, _ arguments: [String], in folder: String) throws {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(path) \(arguments)")
    }

    /// A `docker save` tarball of two layers: an Ubuntu base with a status file, and a layer that
    /// adds a package; `compress` turns each layer into what the image stores.
    static func image(in directory: TemporaryDirectory, compress: (String) throws -> Void) throws -> String {
        let base = directory.file("base"), top = directory.file("top")
        try FileManager.default.createDirectory(atPath: base + "/etc", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/var/lib/dpkg", withIntermediateDirectories: true)
        try "PRETTY_NAME=\"Ubuntu 22.04.5 LTS\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.5 LTS (Jammy Jellyfish)\"\nID=ubuntu\nID_LIKE=debian\n"
            .write(toFile: base + "/etc/os-release", atomically: true, encoding: .utf8)
        try "Package: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: 3.0.2-0ubuntu1.10\n"
            .write(toFile: base + "/var/lib/dpkg/status", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: top + "/var/lib/dpkg", withIntermediateDirectories: true)
        try "Package: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: 3.0.2-0ubuntu1.10\n\nPackage: zlib1g\nStatus: install ok installed\nSource: zlib\nVersion: 1:1.2.11.dfsg-2ubuntu9.2\n"
            .write(toFile: top + "/var/lib/dpkg/status", atomically: true, encoding: .utf8)
        let saved = directory.file("saved")
        try FileManager.default.createDirectory(atPath: saved + "/blobs/sha256", withIntermediateDirectories: true)
        for (name, root) in [("aaa", base), ("bbb", top)] {
            try tool("/bin/tar", ["-cf", saved + "/blobs/sha256/\(name)", "-C", root, "."], in: directory.path)
            try compress(saved + "/blobs/sha256/\(name)")
        }
        try #"[{"Config": "config.json", "RepoTags": ["test:1"], "Layers": ["blobs/sha256/aaa", "blobs/sha256/bbb"]}]"#
            .write(toFile: saved + "/manifest.json", atomically: true, encoding: .utf8)
        let image = directory.file("image.tar")
        try tool("/bin/tar", ["-cf", image, "-C", saved, "manifest.json", "blobs"], in: directory.path)
        return image
    }

    /// gzip in place, keeping the name the manifest gives.
    static func gzip(_ path: String) throws {
        try tool("/bin/gzip", ["-9", path], in: "/")
        try FileManager.default.moveItem(atPath: path + ".gz", toPath: path)
    }

    @Test("gzip-compressed layers are decompressed and applied in order: the Ubuntu release and the top layer's packages are inventoried")
    func gzipLayers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let image = try Self.image(in: directory, compress: Self.gzip)
        try FileManager.default.createDirectory(atPath: directory.file("osv"), withIntermediateDirectories: true)
        let result = try await CommandLineTests.run(["scan", "--image", image, "--osv-db", directory.file("osv"), "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.error)")
        let packages = (json["packages"] as? [[String: Any]] ?? []).map { "\($0["ecosystem"] ?? "") \($0["name"] ?? "") \($0["version"] ?? "")" }
        #expect(packages == ["Ubuntu:22.04:LTS openssl 3.0.2-0ubuntu1.10", "Ubuntu:22.04:LTS zlib 1:1.2.11.dfsg-2ubuntu9.2"])
    }

    /// Damage done to a layer, and the words the refusal must contain.
    static let damage: [(name: String, damage: @Sendable (String) throws -> Void, words: String)] = [
        ("a truncated gzip layer", { path in
            try gzip(path)
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        }, "cannot be decompressed"),
        ("a gzip layer with a flipped byte", { path in
            try gzip(path)
            var data = try Data(contentsOf: URL(fileURLWithPath: path))
            data[data.count / 2] ^= 0xFF
            try data.write(to: URL(fileURLWithPath: path))
        }, "cannot be decompressed"),
        ("a zstd layer", { path in
            try Data([0x28, 0xB5, 0x2F, 0xFD, 0, 0, 0, 0]).write(to: URL(fileURLWithPath: path))
        }, "zstd"),
    ]

    @Test("a damaged or zstd-compressed layer is refused naming the image and the layer", arguments: damage.indices)
    func damagedLayers(index: Int) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let image = try Self.image(in: directory, compress: Self.damage[index].damage)
        try FileManager.default.createDirectory(atPath: directory.file("osv"), withIntermediateDirectories: true)
        let result = try await CommandLineTests.run(["scan", "--image", image, "--osv-db", directory.file("osv"), "--format", "json"])
        #expect(result.status == 2, "\(Self.damage[index].name): \(result.error)")
        #expect(result.error.contains("blobs/sha256/aaa") && result.error.contains(Self.damage[index].words), "\(Self.damage[index].name): \(result.error)")
    }
}
