# Sourced by Fuzz/build_swift.sh and Fuzz/typecheck.sh: module maps for the C targets, so that
# swiftc can import them without SwiftPM.
#   module_maps DIR   writes DIR/<target>/module.modulemap and sets MAPARGS to the -Xcc options
module_maps() {
    local dir=$1 t
    MAPARGS=()
    for t in CRISCV CEVM CPrecompiles CHostCall; do
        mkdir -p "$dir/$t"
        printf 'module %s {\n    header "%s"\n    export *\n}\n' "$t" "$ROOT/CSources/$t/include/$t.h" >"$dir/$t/module.modulemap"
        MAPARGS+=(-Xcc "-fmodule-map-file=$dir/$t/module.modulemap")
    done
    MAPARGS+=(-Xcc "-fmodule-map-file=$ROOT/CSources/CElf/module.modulemap")
}
