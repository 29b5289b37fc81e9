import EEKit
import EEKitTestSupport
import Foundation
import Testing

/// `eekit --version` prints the library's version (`EEKitVersion`), as `evm --version` and
/// `revme --version` do, and exits 0; after `rv run FILE` the flag is the guest's argument.
@Suite struct VersionCLITests {
    @Test func versionIsTheLibrarysAndRVRunPassesTheFlagOn() throws {
        let eekit = try TestFiles.eekit()
        let r = try TestFiles.run(eekit, ["--version"])
        #expect(r.status == 0)
        #expect(r.out == "eekit \(EEKitVersion.string) (\(EEKitVersion.summary))\n", "\(r.out)")
        // Semantic versioning: three dot-separated numbers.
        let parts = EEKitVersion.string.split(separator: ".")
        #expect(parts.count == 3 && parts.allSatisfy { UInt($0) != nil }, "\(EEKitVersion.string)")

        // `rv run` hands everything after FILE to the guest: a missing FILE is reported, not
        // the version.
        let missing = try TestFiles.run(eekit, ["rv", "run", "/nonexistent/eekit-guest", "--version"])
        #expect(missing.status != 0 && !missing.out.contains(EEKitVersion.string), "\(missing.out)")
        #expect(missing.out.contains("/nonexistent/eekit-guest"), "\(missing.out)")
    }
}
