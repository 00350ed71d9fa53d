"""The gallery of false claims in docs/testing.md is what the claims produce today (all but the times)."""

from pathlib import Path

from symrich.testing.gallery import CLAIMS, check_docs, run_gallery

DOCS = Path(__file__).resolve().parent.parent / "docs" / "testing.md"


def test_gallery_in_the_docs_is_up_to_date():
    entries = run_gallery()
    assert len(entries) == len(CLAIMS) >= 6
    diff = check_docs(DOCS, entries)
    assert not diff, "docs/testing.md is stale; run python -m symrich.testing.gallery docs/testing.md\n" + "\n".join(diff)
    by_name = {e.name: e.message for e in entries}
    # each claim fails for the reason the gallery says
    assert "sign change of a" in by_name["a_never_changes_sign"]
    saddle = by_name["converges_within_fixed_time"]
    assert "Example(single neuron (d=2): saddle" in saddle
    assert "regimes passed before it: upstream (2), balanced (2), downstream (2)" in saddle
    assert "assert_flow failed" in by_name["function_space_flow_with_wrong_sign"]
    assert "two-layer ReLU" in by_name["relu_pattern_is_fixed"]
    assert "two-layer tanh" in by_name["tanh_keeps_imbalance"]
    assert "verdict: converging to something else" in by_name["minimum_norm_limit"]
    assert "rank-deficient" in by_name["beta_outside_the_data_is_frozen"]
    assert all(e.seconds > 0 for e in entries) and DOCS.read_text().count("The check took") == len(CLAIMS)
