"""oracle_report.py - how the oracle comparisons (conv_compare.py,
other_compare.py) end: the problems found, or one ok line; the exit code."""


def verdict(label, errors, ok_text):
    """Print FAIL and the first problems, or ok; return the exit code."""
    if errors:
        print(f"FAIL {label}: {len(errors)} problem(s); first ones:")
        for e in errors[:15]:
            print("   " + e)
        return 1
    print(f"ok {label}: {ok_text}")
    return 0
