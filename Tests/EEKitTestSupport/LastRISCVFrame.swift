import EEKit

/// A standard registry whose RISC-V EE records the last frame it made, so a test can read that
/// frame's own counts (`RISCVEnvironment.instructionsRetired`) after a call.
public final class LastRISCVFrame: @unchecked Sendable {
    public private(set) var ee: RISCVEnvironment?
    public private(set) var registry = EERegistry.standard

    public init() {
        registry.register(RISCVEnvironment.self, deposit: RISCVEnvironment.depositRules) { [unowned self] in
            let ee = RISCVEnvironment()
            self.ee = ee
            return ee
        }
    }
}
