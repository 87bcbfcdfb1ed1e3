import Foundation
import SecuritySupervisor
import Testing
import TradingCore

/// A minimal ustar writer for building image tarballs in tests.
enum TarWriter {
    static func archive(_ members: [(path: String, content: Data, type: UInt8)]) -> Data {
        var data = Data()
        for member in members {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int, length: Int) {
                for (index, byte) in text.utf8.prefix(length).enumerated() { header[offset + index] = byte }
            }
            put(member.path, at: 0, length: 100)
            put("0000644\0", at: 100, length: 8)
            put("0000000\0", at: 108, length: 8)
            put("0000000\0", at: 116, length: 8)
            put(String(format: "%011o\0", member.content.count), at: 124, length: 12)
            put("00000000000\0", at: 136, length: 12)
            header[156] = member.type
            put("ustar\0", at: 257, length: 6)
            put("00", at: 263, length: 2)
            for index in 148..<156 { header[index] = 32 }
            let checksum = header.reduce(0) { $0 + Int($1) }
            put(String(format: "%06o\0 ", checksum), at: 148, length: 8)
            data.append(contentsOf: header)
            data.append(member.content)
            data.append(Data(count: (512 - member.content.count % 512) % 512))
        }
        data.append(Data(count: 1024))
        return data
    }

    static func file(_ path: String, _ text: String) -> (path: String, content: Data, type: UInt8) { (path, Data(text.utf8), UInt8(ascii: "0")) }
}

@Suite("Inventories: Package.resolved, dpkg status, os-release, container images")
struct InventoryTests {
    static let v1 = """
        {"object": {"pins": [
          {"package": "NIO", "repositoryURL": "https://github.com/apple/swift-nio.git", "state": {"branch": null, "revision": "abc", "version": "2.40.0"}},
          {"package": "Edge", "repositoryURL": "git@github.com:Example/Edge.git", "state": {"branch": "main", "revision": "def", "version": null}}
        ]}, "version": 1}
        """
    static let v3 = """
        {"originHash": "x", "pins": [
          {"identity": "swift-nio", "kind": "remoteSourceControl", "location": "https://github.com/apple/swift-nio", "state": {"revision": "abc", "version": "2.81.0"}}
        ], "version": 3}
        """

    @Test("Package.resolved versions 1 and 3 give normalised SwiftURL names; a branch pin is skipped with the reason")
    func packageResolved() throws {
        let first = try PackageResolvedInventory.parse(Data(Self.v1.utf8), file: "v1")
        #expect(first.packages.map(\.name) == ["github.com/apple/swift-nio"] && first.packages[0].version == "2.40.0" && first.packages[0].revision == "abc")
        #expect(first.skipped == ["git@github.com:Example/Edge.git (pinned to branch main, no version)"])
        let third = try PackageResolvedInventory.parse(Data(Self.v3.utf8), file: "v3")
        #expect(third.packages.map(\.name) == ["github.com/apple/swift-nio"])
        #expect(throws: PackageResolvedInventory.ParseError.self) { try PackageResolvedInventory.parse(Data(#"{"version": 9, "pins": []}"#.utf8), file: "v9") }
        #expect(throws: PackageResolvedInventory.ParseError.self) { try PackageResolvedInventory.parse(Data("[1]".utf8), file: "bad") }
    }

    @Test("repository locations normalise to OSV's SwiftURL names", arguments: [
        ("https://github.com/apple/swift-nio.git", "github.com/apple/swift-nio"),
        ("https://github.com/Apple/Swift-NIO/", "github.com/apple/swift-nio"),
        ("git@github.com:apple/swift-nio.git", "github.com/apple/swift-nio"),
        ("github.com/apple/swift-nio", "github.com/apple/swift-nio"),
        ("ssh://git@github.com/apple/swift-nio.git", "github.com/apple/swift-nio"),
    ])
    func swiftURLs(location: String, name: String) {
        #expect(InstalledPackage.normalisedSwiftURL(location) == name)
    }

    static let status = """
        Package: libssl3
        Status: install ok installed
        Source: openssl (3.0.19-1~deb12u2)
        Version: 3.0.19-1~deb12u2
        Description: Secure Sockets Layer toolkit
         a continuation line

        Package: openssl
        Status: install ok installed
        Version: 3.0.19-1~deb12u2

        Package: zlib1g
        Status: install ok installed
        Source: zlib
        Version: 1:1.2.13.dfsg-1

        Package: removed-thing
        Status: deinstall ok config-files
        Version: 1.0-1
        """

    @Test("dpkg status: installed binaries become source packages with source versions; removed ones are left out")
    func dpkgStatus() throws {
        let packages = try DebianInventory.parse(status: Self.status, ecosystem: "Debian:12", file: "status")
        #expect(packages.map { "\($0.name) \($0.version)" } == ["openssl 3.0.19-1~deb12u2", "zlib 1:1.2.13.dfsg-1"])
        #expect(packages[0].origin.contains("libssl3, openssl"))
    }

    @Test("a broken dpkg status is refused with the file and line")
    func brokenStatus() {
        do {
            _ = try DebianInventory.parse(status: "Package: a\nStatus: install ok installed\nVersion: 1.0\n\nthis is not a field\n", ecosystem: "Debian:12", file: "status")
            Issue.record("accepted")
        } catch {
            #expect(error.description == "status:5: 'this is not a field' is not 'Field: value'")
        }
        #expect(throws: DebianInventory.ParseError.self) {
            try DebianInventory.parse(status: "Package: a\nStatus: install ok installed\nVersion: a:1\n", ecosystem: "Debian:12", file: "status")
        }
    }

    @Test("os-release: Debian's major release and Ubuntu's release (with :LTS for a long-term one) become the ecosystem, as OSV names them; other systems have none",
          arguments: [
        ("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n", "Debian:12"),
        ("ID=debian\nVERSION_ID=11\n", "Debian:11"),
        ("PRETTY_NAME=\"Ubuntu 22.04.5 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.5 LTS (Jammy Jellyfish)\"\nID=ubuntu\nID_LIKE=debian\n",
         "Ubuntu:22.04:LTS"),
        ("PRETTY_NAME=\"Ubuntu 24.10\"\nVERSION_ID=\"24.10\"\nVERSION=\"24.10 (Oracular Oriole)\"\nID=ubuntu\nID_LIKE=debian\n", "Ubuntu:24.10"),
        ("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\nVERSION_ID=\"21.3\"\n", nil),
        ("ID=ubuntu\n", nil),
        ("ID=debian\n", nil),
    ] as [(String, String?)])
    func osRelease(text: String, ecosystem: String?) {
        #expect(DebianInventory.ecosystem(osRelease: text) == ecosystem)
    }

    @Test("a docker save tarball: layers apply in order, a whiteout deletes, distroless status.d stanzas are read")
    func savedImage() throws {
        let base = TarWriter.archive([
            TarWriter.file("etc/os-release", "ID=debian\nVERSION_ID=\"11\"\n"),
            TarWriter.file("var/lib/dpkg/status.d/old", "Package: gone\nStatus: install ok installed\nVersion: 1.0-1\n"),
            TarWriter.file("var/lib/dpkg/status.d/zlib", "Package: zlib1g\nStatus: install ok installed\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\n"),
        ])
        let top = TarWriter.archive([
            TarWriter.file("./etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
            TarWriter.file("var/lib/dpkg/status.d/.wh.old", ""),
            TarWriter.file("var/lib/dpkg/status.d/openssl", "Package: libssl3\nStatus: install ok installed\nSource: openssl (3.0.11-1~deb12u1)\nVersion: 3.0.11-1~deb12u1\n"),
        ])
        let manifest = #"[{"Config": "config.json", "RepoTags": ["test:1"], "Layers": ["blobs/sha256/aaa", "blobs/sha256/bbb"]}]"#
        let image = TarWriter.archive([
            TarWriter.file("manifest.json", manifest),
            ("blobs/sha256/aaa", base, UInt8(ascii: "0")),
            ("blobs/sha256/bbb", top, UInt8(ascii: "0")),
        ])
        let files = try ContainerImageInventory.files(savedImage: image, name: "image.tar")
        let release = try #require(files.osRelease)
        let ecosystem = try #require(DebianInventory.ecosystem(osRelease: release))
        let packages = try DebianInventory.parse(status: try #require(files.dpkgStatus), ecosystem: ecosystem, file: "image")
        #expect(packages.map { "\($0.ecosystem) \($0.name) \($0.version)" } == ["Debian:12 openssl 3.0.11-1~deb12u1", "Debian:12 zlib 1:1.2.13.dfsg-1"])
        #expect(throws: (any Error).self) { try ContainerImageInventory.files(savedImage: TarWriter.archive([TarWriter.file("x", "y")]), name: "plain.tar") }
        var corrupt = image
        corrupt[corrupt.startIndex + 150] ^= 0xFF
        #expect(throws: TarArchive.ParseError.self) { try TarArchive(corrupt, name: "corrupt.tar") }
    }
}
