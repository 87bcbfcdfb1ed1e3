import Foundation

/// What a container image says about its Debian packages: the dpkg status (or distroless
/// `status.d/` stanzas) and the os-release file, from a root filesystem's files or from a
/// `docker save` tarball whose layers are applied in order (whiteouts delete). Layers may be plain
/// tar or gzip-compressed tar (decompressed by the caller's `gunzip`: this module reads no
/// compression itself); zstd layers are refused by name.
public enum ContainerImageInventory {
    /// The two files a Debian inventory needs (nil when the image has none).
    public struct Files: Sendable {
        public let dpkgStatus: String?
        public let osRelease: String?

        /// Creates the files.
        public init(dpkgStatus: String?, osRelease: String?) {
            self.dpkgStatus = dpkgStatus
            self.osRelease = osRelease
        }
    }

    /// Why an image cannot be read.
    public struct ImageError: Error, Sendable, CustomStringConvertible {
        public let image: String
        public let reason: String
        public var description: String { "\(image): \(reason)" }
    }

    private struct ManifestEntry: Decodable {
        let Layers: [String]
    }

    static let statusPath = "var/lib/dpkg/status"
    static let statusDirectory = "var/lib/dpkg/status.d"
    static let osReleasePaths = ["etc/os-release", "usr/lib/os-release"]

    /// The files of a `docker save` tarball (the first image in it); `gunzip` decompresses a
    /// gzip-compressed layer (nil: such a layer is an error naming it).
    public static func files(savedImage data: Data, name: String, gunzip: ((Data) throws -> Data)? = nil) throws -> Files {
        let outer = try TarArchive(data, name: name)
        guard let manifestEntry = outer.file("manifest.json") else {
            throw ImageError(image: name, reason: "no manifest.json: not a `docker save` tarball (give a root filesystem folder instead)")
        }
        let manifest: [ManifestEntry]
        do {
            manifest = try JSONDecoder().decode([ManifestEntry].self, from: outer.content(of: manifestEntry))
        } catch {
            throw ImageError(image: name, reason: "manifest.json cannot be read: \(error)")
        }
        guard let layers = manifest.first?.Layers else { throw ImageError(image: name, reason: "manifest.json lists no image") }
        // The merged view of the few paths needed: path → content (nil after a whiteout).
        var merged: [String: Data?] = [:]
        for layerPath in layers {
            guard let entry = outer.file(TarArchive.clean(layerPath)) else { throw ImageError(image: name, reason: "layer \(layerPath) is not in the tarball") }
            let layer = try TarArchive(try layerTar(outer.content(of: entry), name: "\(name):\(layerPath)", gunzip: gunzip), name: "\(name):\(layerPath)")
            for member in layer.entries {
                let file = (member.path as NSString).lastPathComponent
                let directory = (member.path as NSString).deletingLastPathComponent
                if file == ".wh..wh..opq" {
                    for key in merged.keys where key.hasPrefix(directory + "/") { merged[key] = .some(nil) }
                    continue
                }
                if file.hasPrefix(".wh.") {
                    let removed = (directory.isEmpty ? "" : directory + "/") + file.dropFirst(4)
                    for key in merged.keys where key == removed || key.hasPrefix(removed + "/") { merged[key] = .some(nil) }
                    continue
                }
                guard isWanted(member.path) else { continue }
                switch member.kind {
                case .file: merged[member.path] = .some(layer.content(of: member))
                case .hardLink(let target): merged[member.path] = .some(layer.file(target).map(layer.content))
                default: merged[member.path] = .some(nil)
                }
            }
        }
        func text(_ path: String) -> String? { (merged[path] ?? nil).map { String(decoding: $0, as: UTF8.self) } }
        let stanzas = merged.keys.filter { $0.hasPrefix(statusDirectory + "/") }.sorted().compactMap(text)
        let status = text(statusPath) ?? (stanzas.isEmpty ? nil : stanzas.joined(separator: "\n\n"))
        return Files(dpkgStatus: status, osRelease: osReleasePaths.lazy.compactMap(text).first)
    }

    /// A layer's tar bytes: as stored, or decompressed when gzip's magic bytes start it.
    static func layerTar(_ data: Data, name: String, gunzip: ((Data) throws -> Data)?) throws -> Data {
        let magic = Array(data.prefix(4))
        if magic.starts(with: [0x1F, 0x8B]) {
            guard let gunzip else { throw ImageError(image: name, reason: "a gzip-compressed layer, and no decompressor was given") }
            do {
                return try gunzip(data)
            } catch {
                throw ImageError(image: name, reason: "the gzip-compressed layer cannot be decompressed: \(error)")
            }
        }
        if magic == [0x28, 0xB5, 0x2F, 0xFD] { throw ImageError(image: name, reason: "a zstd-compressed layer, which is not read (save the image with gzip or uncompressed layers)") }
        return data
    }

    static func isWanted(_ path: String) -> Bool {
        path == statusPath || path.hasPrefix(statusDirectory + "/") || osReleasePaths.contains(path)
    }
}
