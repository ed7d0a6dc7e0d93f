# The notebook's own functions that the cell being compiled calls, one name per line.
#
#     awk -f cell_functions.awk src/lib.rs      (called by cell-rustc.sh)
#
# evcxr writes src/lib.rs as: the notebook's items (functions start a line with
# `fn`, `pub fn`, …), its runtime module, then the cell as `run_user_code_N`.
# A name counts when it appears as a word in the cell's code. awk rather than
# Python: it runs before every cell's rustc, and starts in a few milliseconds.
# cell_incremental.py explains what the names are for.

BEGIN { items = 1 }
/^mod evcxr_internal_runtime/ { items = 0 }
/^pub extern "C" fn run_user_code_[0-9]+\(/ { items = 0; cell = 1 }
items && match($0, /^(pub(\([^)]*\))? )?((const|async|unsafe) )*fn[ \t]+[A-Za-z_][A-Za-z0-9_]*/) {
    name = substr($0, RSTART, RLENGTH)
    sub(/.*fn[ \t]+/, "", name)
    defined[name] = 1
}
cell {
    n = split($0, words, /[^A-Za-z0-9_]+/)
    for (i = 1; i <= n; i++) mentioned[words[i]] = 1
}
END { for (name in defined) if (name in mentioned) print name }
