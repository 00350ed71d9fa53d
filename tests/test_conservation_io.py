"""symrich.conservation: model validation, model files, reports, LaTeX and the `conservation` subcommand."""

import argparse
import dataclasses
from pathlib import Path

import pytest
import sympy as sp

from symrich.cli.conservation import add_commands, cmd_conservation
from symrich.conservation import Model, ParameterGroup, analyse, discover, single_neuron, two_layer, two_layer_linear
from symrich.conservation.report import analysis_latex, table, text_report
from symrich.conservation.spec import load_models, models_from_toml

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "conservation"
a, b, x, y = sp.symbols("a b x y", real=True)
eta = sp.Symbol("eta", positive=True)


# --------------------------------------------------------------------------- the model


def test_model_normalises_its_input():
    m = Model("m", {"a": a, "w": [b, y]}, [x], a * (b + y) * x, rates={"a": eta, "w": sp.Rational(1, 2)})
    assert m.theta == (a, b, y) and m.theta_rates == (eta, sp.Rational(1, 2), sp.Rational(1, 2))
    assert m.rates == (("a", eta), ("w", sp.Rational(1, 2))) and m.rate_symbols == (eta,)
    assert m.outputs == (a * (b + y) * x,) and m.inputs == (x,)
    assert dataclasses.replace(m, name="copy").theta == m.theta  # the normalised form is valid input


@pytest.mark.parametrize("kwargs, message", [
    ({"parameters": {}}, "at least one parameter group"),
    ({"parameters": {"a": a + 1}}, "every entry must be a sympy Symbol"),
    ({"parameters": (ParameterGroup("a", sp.ImmutableMatrix([a]), 0.5), ParameterGroup("b", sp.ImmutableMatrix([b])))},
     "parameter group 'a': rate is the float 0.5"),
    ({"parameters": {"1a": a}}, "not an identifier"),
    ({"parameters": (ParameterGroup("a", sp.ImmutableMatrix([a])), ParameterGroup("a", sp.ImmutableMatrix([b])))},
     "name 'a' is repeated"),
    ({"inputs": (a,)}, "both parameters and inputs"),
    ({"inputs": (x, x)}, "repeated symbol"),
    ({"inputs": "x"}, "inputs must"),
    ({"outputs": a * b * y}, "y, which are neither parameters nor inputs"),
    ({"outputs": sp.exp(a) * x}, "not a polynomial"),
    ({"outputs": 0.5 * a * b * x}, "rational numbers"),
    ({"rates": {"a": 0}}, "not known to be positive"),
    ({"rates": {"a": sp.Symbol("e")}}, "declare e with positive=True"),
    ({"rates": {"a": sp.sqrt(2)}}, "not a rational number or a rational function"),
    ({"rates": {"a": True}}, "positive number or expression"),
    ({"rates": {"a": 0.5}}, "use an exact number"),
    ({"parameters": {"a": a, "b": eta}, "outputs": a * eta * x, "rates": {"a": eta}}, "also parameters or inputs"),
    ({"rates": "fast"}, "rates must be a number, an expression or a mapping"),
    ({"rates": {"a": 1}}, "no rate for the group(s) b"),
    ({"rates": {"a": 1, "b": 1, "c": 2}}, "unknown group(s) c"),
    ({"rates": sp.oo}, "rates = oo is not finite"),
    ({"rates": {"a": sp.S(1) / 0, "b": 1}}, "rates['a'] = zoo is not finite"),
    ({"rates": {"a": sp.nan, "b": 1}}, "rates['a'] = nan is not finite"),
    ({"rates": float("inf")}, "the float inf: a rate is finite"),
    ({"rates": -2}, "rates = -2 is not known to be positive"),
    ({"rates": {"a": "fast", "b": 1}}, "rates['a'] must be a positive number"),
    ({"outputs": a * b * x * sp.nan}, "is not finite"),
    ({"outputs": [a * x, sp.oo * b * x]}, "outputs[1] = oo*b*x is not finite"),
    ({"assumptions": "relu"}, "assumptions must be a sequence of str, Prose or Assumption"),
    ({"name": ""}, "name must be a non-empty printable string"),
])
def test_model_rejects_bad_input_naming_the_problem(kwargs, message):
    args = {"name": "m", "parameters": {"a": a, "b": b}, "inputs": (x,), "outputs": a * b * x} | kwargs
    with pytest.raises(ValueError, match="invalid Model") as info:
        Model(**args)
    assert message in str(info.value)


def test_builders_validate_sizes_and_activation():
    with pytest.raises(ValueError, match="d must be an integer >= 1"):
        two_layer_linear(0, 1, 1)
    with pytest.raises(ValueError, match="activation"):
        two_layer(2, 2, activation="tanh")
    with pytest.raises(ValueError, match="widths"):
        __import__("symrich.conservation", fromlist=["deep_linear"]).deep_linear((2, 2))


def test_builders_matrix_form_agrees_with_the_explicit_model():
    """The symbolic-size form evaluated at the model's sizes gives the model's outputs (n = 1 sample)."""
    m = two_layer_linear(2, 3, 2, bias=True, rates=1)
    form = m.matrix_form
    sizes = {sp.Symbol(s, integer=True, positive=True): v for s, v in (("d", 2), ("c", 3), ("h", 2), ("n", 1))}
    explicit = {sym.subs(sizes): sp.Matrix(m.group(name).entries) for name, sym in form.parameters}
    explicit[form.data[0].subs(sizes)] = sp.Matrix(m.inputs)
    F = form.output.subs(sizes).subs(explicit).doit()
    assert sp.expand(sp.Matrix(F) - sp.Matrix(m.outputs)) == sp.zeros(3, 1)


# --------------------------------------------------------------------------- model files


def test_toml_model_files_build_the_named_models():
    models = models_from_toml({"model": [
        {"builder": "two_layer_linear", "d": 1, "c": 1, "h": 2, "rates": {"W1": "1/2", "W2": 3}},
        {"builder": "two_layer", "d": 2, "m": 2, "activation": "z**2/2 + z**3", "bias": True},
        {"builder": "deep_linear", "widths": [1, 1, 1], "rates": "symbolic"},
    ]})
    assert [m.name for m in models] == ["two_layer_linear_1_1_2", "two_layer_z^3+z^2/2_2_2_bias", "deep_linear_1_1_1"]
    assert models[0].group("W1").rate == sp.Rational(1, 2) and models[0].group("W2").rate == 3
    assert models[2].rate_symbols == (sp.Symbol("eta_W1", positive=True), sp.Symbol("eta_W2", positive=True))
    (mixed,) = models_from_toml({"model": [{"builder": "single_neuron", "d": 1, "rates": {"a": 2, "w": "symbolic"},
                                             "name": "fast_a"}]})
    assert mixed.rates == (("a", 2), ("w", sp.Symbol("eta_w", positive=True))) and mixed.name == "fast_a"


@pytest.mark.parametrize("config, message", [
    ({}, "expected one or more"),
    ({"model": [], "extra": 1}, "unknown key"),
    ({"model": [{"builder": "single_neuron"}]}, "missing 1 required positional argument"),
    ({"model": [{"builder": "single_neuron", "d": 2, "width": 3}]}, "unexpected keyword argument 'width'"),
    ({"model": [{"builder": "two_layer", "d": 1, "m": 1, "activation": "sin(z)"}]}, "not a polynomial in z"),
    ({"model": [{"builder": "two_layer", "d": 1, "m": 1, "activation": "z**2 + y"}]}, "not a polynomial in z"),
    ({"model": [{"builder": "two_layer", "d": 1, "m": 1, "activation": "__import__('os')"}]}, "not a polynomial"),
    ({"model": [{"builder": "two_layer", "d": 1, "m": 1, "activation": "z**(1/2)"}]}, "not a polynomial in z"),
    ({"model": [{"builder": "single_neuron", "d": 1, "rates": "fast"}]}, "rate 'fast' is not a finite exact number"),
    ({"model": [{"builder": "single_neuron", "d": 1, "rates": "1/0"}]}, "rate '1/0' is not a finite exact number"),
    ({"model": [{"builder": "single_neuron", "d": 1, "rates": "-1/2"}]}, "rate '-1/2' is not positive"),
    ({"model": [{"builder": "single_neuron", "d": 1, "rates": {"a": "1/0", "w": 1}}]}, "rates.a = '1/0' is not a finite"),
    ({"model": [{"builder": "single_neuron", "d": 1, "rates": {"a": 1}}]}, r"no rate for the group\(s\) w"),
    ({"model": [{"builder": "single_neuron", "d": 1, "rates": {"a": 1, "w": 1, "b": 1}}]}, r"unknown group\(s\) b"),
    ({"model": [{"builder": "single_neuron", "d": -1}]}, "d must be an integer"),
])
def test_toml_errors_name_the_model_and_the_problem(config, message):
    with pytest.raises(ValueError, match=message) as info:
        models_from_toml(config, source="spec.toml")
    assert str(info.value).startswith("spec.toml")


def test_model_file_errors(tmp_path):
    cases = {"bad.toml": "[[model]\n", "none.py": "x = 1\n", "wrong.py": "model = 3\n", "boom.py": "1 / 0\n",
             "m.txt": "", "exits.py": "import sys\nsys.exit(0)\n"}
    messages = {"bad.toml": "not valid TOML", "none.py": "defines neither", "wrong.py": "must be",
                "boom.py": "raised ZeroDivisionError", "m.txt": "expected a .py or .toml",
                "exits.py": r"called sys.exit\(0\) while being loaded"}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(ValueError, match=messages[name]):
            load_models(tmp_path / name)


@pytest.mark.parametrize("name, expected", [
    ("paper.toml", {"single_neuron_d3": 1, "two_layer_linear_3_3_3": 6, "two_layer_linear_2_1_3": 6,
                    "deep_linear_2_2_2_2": 6, "deep_linear_1_1_1_1": 2, "two_layer_relu_3_3": 3}),
    ("beyond.toml", {"two_layer_linear_2_2_2_bias": 3, "two_layer_z^2_2_2_bias": 2, "bilinear_attention_3_2": 3,
                     "two_layer_z^2+z_2_2": 0}),
    ("diagonal_linear.py", {"diagonal_linear": 3}),
])
def test_the_examples_are_complete(name, expected):
    results = {m.name: analyse(m) for m in load_models(EXAMPLES / name)}
    assert {k: r.independent for k, r in results.items()} == expected
    assert all(r.complete and r.count.count == r.independent for r in results.values())


# --------------------------------------------------------------------------- reports and the command line


def test_reports_show_laws_count_and_verdict():
    result = analyse(two_layer_linear(2, 1, 2))
    text = text_report(result)
    assert "Q_1 = eta_W1*W2^T W2 - eta_W2*W1 W1^T   [2 x 2, symmetric: 3 laws]" in text
    assert "count: at most 3 independent laws of any kind near a generic point (upper bound D - rank Lie(W) = 6 - 3;" in text
    assert "Complete" in text
    assert table([result]).splitlines()[2].startswith("| two_layer_linear_2_1_2 | 6 | 3 | 3 | 3 | yes |")
    tex = analysis_latex(result)
    assert "\\section{Summary}" in tex and "Q_{1} = " in tex and tex.rstrip().endswith("\\end{document}")
    with pytest.raises(TypeError, match="Analysis"):
        text_report(result.laws)


def _run(argv):
    parser = argparse.ArgumentParser(prog="symrich")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_prints_laws_writes_latex_and_returns_status(tmp_path, capsys):
    spec = tmp_path / "m.toml"
    spec.write_text('[[model]]\nbuilder = "two_layer"\nd = 2\nm = 2\n\n[[model]]\nbuilder = "single_neuron"\nd = 1\n')
    assert _run(["conservation", str(spec), "--out", str(tmp_path / "tex")]) == 0
    out = capsys.readouterr().out
    assert "Q_1[k,k] = eta_w*a_k^2 - eta_a*||w_k||^2   [k = 1..2: 2 laws]" in out and "| single_neuron_d1 | 2 |" in out
    tex = (tmp_path / "tex" / "conservation-two_layer_relu_2_2.tex").read_text()
    assert "\\boxed" in tex and "ReLU handled locally" in tex
    assert _run(["conservation", str(tmp_path / "missing.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert _run(["conservation", str(spec), "--degree", "0", "--no-proofs"]) == 2


def test_cli_reports_a_failing_derivation(tmp_path, monkeypatch, capsys):
    import symrich.conservation as conservation
    from symrich.engine import Derivation, Step

    broken = Derivation("broken", "Broken", steps=(Step(a, b, "a = b is false"),))
    monkeypatch.setattr(conservation, "law_derivations", lambda laws: (broken,))
    spec = tmp_path / "m.toml"
    spec.write_text('[[model]]\nbuilder = "single_neuron"\nd = 1\n')
    assert cmd_conservation(argparse.Namespace(spec=str(spec), degree=2, out=str(tmp_path), points=3, max_depth=12,
                                               seed=0, no_proofs=False)) == 1
    assert "a derivation failed" in capsys.readouterr().err


def test_unwritable_output_folder_is_reported_before_any_computation(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    spec = tmp_path / "m.toml"
    spec.write_text('[[model]]\nbuilder = "single_neuron"\nd = 1\n')
    for out in (blocker / "sub", blocker):
        assert _run(["conservation", str(spec), "--out", str(out)]) == 2
        captured = capsys.readouterr()
        assert "cannot write to --out" in captured.err and str(out) in captured.err
        assert captured.out == ""  # refused before the analysis
    assert _run(["conservation", str(spec), "--out", str(blocker), "--no-proofs"]) == 0  # no LaTeX: no folder needed


def test_models_of_the_same_name_are_refused_before_any_computation(tmp_path, capsys):
    spec = tmp_path / "m.py"
    spec.write_text("from symrich.conservation import single_neuron\n"
                    "models = [single_neuron(1, rates=1), single_neuron(1)]\n")
    out = tmp_path / "out"
    assert _run(["conservation", str(spec), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert "models 'single_neuron_d1' and 'single_neuron_d1' would both write conservation-single_neuron_d1.tex" \
        in captured.err and "distinct names" in captured.err
    assert captured.out == "" and not out.exists()
    spec.write_text("from symrich.conservation import single_neuron\n"
                    "models = [single_neuron(1, rates=1, name='unit_rates'), single_neuron(1)]\n")
    assert _run(["conservation", str(spec), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.glob("*.tex")) == ["conservation-single_neuron_d1.tex",
                                                         "conservation-unit_rates.tex"]


def test_a_large_search_is_announced_with_its_size_and_stages(tmp_path, capsys, monkeypatch):
    import symrich.conservation.laws as laws

    monkeypatch.setattr(laws, "LARGE_SYSTEM", 10)  # single_neuron(1) at degree 3: 9 unknowns; d = 2: 19
    spec = tmp_path / "m.toml"
    spec.write_text('[[model]]\nbuilder = "single_neuron"\nd = 1\n\n[[model]]\nbuilder = "single_neuron"\nd = 2\n')
    assert _run(["conservation", str(spec), "--degree", "3", "--no-proofs"]) == 0
    err = capsys.readouterr().err
    assert "single_neuron_d1: degree" not in err
    assert "single_neuron_d2: degree <= 3 in D = 3 parameters is a linear system in 19 unknowns (more than 10)" in err
    assert "solving" in err and "counting" in err


def test_a_long_list_of_products_is_counted_not_printed():
    from symrich.conservation import deep_linear
    from symrich.conservation.report import SHOWN_PRODUCTS

    result = analyse(deep_linear((1, 2, 2, 1), rates=1), degree=4)
    products = len(result.laws.products)
    assert products > SHOWN_PRODUCTS
    text = text_report(result)
    assert text.count(" = Q_") + text.count(" = h_") <= SHOWN_PRODUCTS
    assert f"... and {products - SHOWN_PRODUCTS} more products of laws of lower degree" in text



def test_unit_coefficients_unused_parameters_and_diagonal_laws_read_well():
    U, V = sp.Matrix(2, 2, sp.symbols("u1:5", real=True)), sp.Matrix(2, 2, sp.symbols("v1:5", real=True))
    xs = sp.Matrix(sp.symbols("x1:3", real=True))
    result = analyse(Model("uv", {"U": U, "V": V}, list(xs), list(U * V * xs)))
    assert result.laws.matrices[0].text == "U^T U - V V^T"
    assert "\\item $Q_{1} = U^\\top U - V V^\\top$" in analysis_latex(result)  # not "1 U^\top U", nor reordered
    # a parameter that is not in the loss: a note, in the text and the LaTeX
    c = sp.Symbol("c", real=True)
    unused = analyse(Model("unused", {"a": a, "b": b, "c": c}, (x,), a * b * x))
    note = "c appears in no output, hence not in the loss: the flow never moves it, a law of degree 1"
    assert f"note: {note}" in text_report(unused) and note in analysis_latex(unused)
    assert "note:" not in text_report(result)
    # a diagonal law reads as its entry k, k (the per-neuron delta_k), in words that match the matrix
    relu = analyse(two_layer(3, 2))
    (Q,) = relu.laws.matrices
    assert Q.diagonal and Q.text == "eta_w*a_k^2 - eta_a*||w_k||^2"
    eta_a, eta_w = relu.model.group("a").rate, relu.model.group("w").rate
    for k in range(2):
        a_k, w_k = relu.model.group("a").entries[0, k], relu.model.group("w").entries[k, :]
        assert sp.expand(Q.matrix[k, k] - (eta_w * a_k**2 - eta_a * (w_k * w_k.T)[0, 0])) == 0
    assert "Q_1[k,k] = eta_w*a_k^2 - eta_a*||w_k||^2   [k = 1..2: 2 laws]" in text_report(relu)
    # neurons as the columns of W: the entry k, k of W^T W is the squared norm of column k
    W, v = sp.Matrix(2, 2, sp.symbols("W1:5", real=True)), sp.Matrix([sp.symbols("v1:3", real=True)])
    g = sp.symbols("g1:3", real=True)
    columns = Model("columns", {"v": v, "W": W}, (*xs, *g), sum(v[k] * g[k] * (W[:, k].T * xs)[0, 0] for k in range(2)))
    (Q,) = discover(columns).matrices
    assert Q.diagonal and Q.text == "v_k^2 - ||W[:,k]||^2"
    assert [Q.matrix[k, k] for k in range(2)] == [sp.expand(v[k]**2 - (W[:, k].T * W[:, k])[0, 0]) for k in range(2)]
