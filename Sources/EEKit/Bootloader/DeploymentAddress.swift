/// Contract address derivation, shared by every EE's `prepareDeployment`.
public enum DeploymentAddress {
    /// CREATE: keccak256(rlp([deployer, nonce]))[12:].
    public static func create(deployer: Address, nonce: UInt64) -> Address {
        let enc = RLP.list([.address(deployer), .uint(nonce)]).encoded
        return Address(Array(Keccak.hash(enc).bytes[12...]))
    }

    /// CREATE2: keccak256(0xff ++ deployer ++ salt ++ keccak256(initcode))[12:].
    public static func create2(deployer: Address, salt: Bytes32, initcode: Bytes) -> Address {
        var b: Bytes = [0xff]
        b.append(contentsOf: deployer.bytes)
        b.append(contentsOf: salt.bytes)
        b.append(contentsOf: Keccak.hash(initcode).bytes)
        return Address(Array(Keccak.hash(b).bytes[12...]))
    }

    /// The address for `scheme`, reading the deployer's nonce from `host`.
    public static func derive(_ request: DeploymentRequest, host: any EEHost) -> Address {
        switch request.scheme {
        case .create: create(deployer: request.deployer, nonce: host.nonce(request.deployer))
        case .create2(let salt): create2(deployer: request.deployer, salt: salt, initcode: request.initcode)
        }
    }
}
