"""Cost-complexity pruning path: Prune vs scikit-learn's DecisionTree*.cost_complexity_pruning_path.

For each bundled data set and criterion, both grow a full tree on every row; the script compares
the trees node by node (pre-order: split feature, threshold, rows, impurity) and the paths
(effective alphas and total leaf impurities, relative tolerance 1e-9).

scikit-learn visits features in a random order at every node and keeps the first best split, while
Prune visits them in column order; when two features give exactly the same impurity decrease (most
often because they cut the node's rows into the same two groups) the trees can differ. The script
then shows the first node where they part, and compares twice more where ties cannot decide:
  * single feature: the same rows with only the feature scikit-learn splits the root on, so no two
    features can tie and both tools must grow the same tree and the same path;
  * same tree: scikit-learn's own tree is saved in Prune's tree format and Prune computes its path
    (`prune tree --tree`), which checks the weakest-link algorithm on every data set.

Usage: python3 scripts/parity/ccp_path_parity.py [--prune .build/release/prune] [--write-fixture FILE]
Exit status 1 if a path differs on data where the trees are identical.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
DATA = os.path.join(ROOT, "Sources", "DecisionTrees", "Datasets")
SETS = [
    ("iris", "species", ["gini", "entropy"]),
    ("wine", "cultivar", ["gini", "entropy"]),
    ("breast-cancer", "diagnosis", ["gini", "entropy"]),
    ("digits", "digit", ["gini", "entropy"]),
    ("diabetes", "progression", ["squared_error"]),
]


def read_csv(path, target):
    with open(path) as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    t = header.index(target)
    X = np.array([[float(v) for j, v in enumerate(r) if j != t] for r in body])
    y = [r[t] for r in body]
    return header, X, y, t


def write_csv(path, header, X, y, t):
    names = [h for j, h in enumerate(header) if j != t] + [header[t]]
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(names)
        for row, label in zip(X, y):
            w.writerow([repr(float(v)) for v in row] + [label])
    return names[-1]


def sklearn_tree(X, y, criterion):
    if criterion == "squared_error":
        model = DecisionTreeRegressor(criterion=criterion, random_state=0)
        y = np.array([float(v) for v in y])
    else:
        model = DecisionTreeClassifier(criterion=criterion, random_state=0)
    model.fit(X, y)
    path = model.cost_complexity_pruning_path(X, y)
    t = model.tree_
    return t, path


def prune_tree(binary, csv_path, target, criterion):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "tree.json")
        crit = "squared-error" if criterion == "squared_error" else criterion
        task = "regression" if criterion == "squared_error" else "classification"
        cmd = [binary, "tree", "--data", csv_path, "--target", target, "--task", task, "--criterion", crit,
               "--method", "none", "--test-fraction", "0", "--path", "--json", "--save", out]
        report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        with open(out) as f:
            tree = json.load(f)
    return tree, report["path"]


def export_sklearn_tree(t, names, classes, criterion, path):
    """Writes scikit-learn's tree in Prune's JSON tree format (pre-order node arrays)."""
    n = t.node_count
    classifier = criterion != "squared_error"
    values = []
    for i in range(n):
        v = t.value[i][0]
        if classifier:
            total = v.sum()
            values += [float(x) * t.n_node_samples[i] / total for x in v]  # scikit-learn stores fractions
        else:
            values.append(float(v[0]))
    leaf = [t.children_left[i] < 0 for i in range(n)]
    tree = {
        "classCount": len(classes) if classifier else 0,
        "classNames": list(classes) if classifier else [],
        "criterion": "squared-error" if not classifier else criterion,
        "featureNames": names,
        "left": [int(t.children_left[i]) if not leaf[i] else -1 for i in range(n)],
        "right": [int(t.children_right[i]) if not leaf[i] else -1 for i in range(n)],
        "feature": [int(t.feature[i]) if not leaf[i] else -1 for i in range(n)],
        "threshold": [float(t.threshold[i]) if not leaf[i] else 0.0 for i in range(n)],
        "impurity": [float(x) for x in t.impurity],
        "sampleCount": [int(x) for x in t.n_node_samples],
        "values": values,
    }
    with open(path, "w") as f:
        json.dump(tree, f)


def prune_path_of(binary, tree_path, csv_path, target, criterion):
    task = "regression" if criterion == "squared_error" else "classification"
    cmd = [binary, "tree", "--tree", tree_path, "--data", csv_path, "--target", target, "--task", task,
           "--method", "none", "--path", "--json"]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)["path"]


def first_difference(sk, ours):
    n = min(sk.node_count, len(ours["left"]))
    for i in range(n):
        sk_leaf = sk.children_left[i] < 0
        our_leaf = ours["left"][i] < 0
        same = (sk_leaf == our_leaf and sk.n_node_samples[i] == ours["sampleCount"][i]
                and abs(sk.impurity[i] - ours["impurity"][i]) <= 1e-9 * max(1.0, abs(sk.impurity[i])))
        if same and not sk_leaf:
            same = sk.feature[i] == ours["feature"][i] and abs(sk.threshold[i] - ours["threshold"][i]) <= 1e-9 * max(1.0, abs(sk.threshold[i]))
        if not same:
            return i
    return None if sk.node_count == len(ours["left"]) else n


def compare_paths(sk_path, our_path):
    a = np.array(sk_path.ccp_alphas)
    r = np.array(sk_path.impurities)
    oa = np.array([s["alpha"] for s in our_path])
    orr = np.array([s["impurity"] for s in our_path])
    if len(a) != len(oa):
        return False, "path lengths %d (scikit-learn) vs %d (Prune)" % (len(a), len(oa))
    da = np.max(np.abs(a - oa) / np.maximum(1e-12, np.abs(a))) if len(a) else 0
    dr = np.max(np.abs(r - orr) / np.maximum(1e-12, np.abs(r))) if len(r) else 0
    ok = np.allclose(a, oa, rtol=1e-9, atol=1e-12) and np.allclose(r, orr, rtol=1e-9, atol=1e-12)
    return ok, "%d steps, max relative difference: alphas %.2e, impurities %.2e" % (len(a), da, dr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prune", default=os.path.join(ROOT, ".build", "release", "prune"))
    ap.add_argument("--write-fixture")
    args = ap.parse_args()
    failures = 0
    fixture = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, target, criteria in SETS:
            header, X, y, t = read_csv(os.path.join(DATA, name + ".csv"), target)
            names = [h for j, h in enumerate(header) if j != t]
            classes = sorted(set(y)) if criteria[0] != "squared_error" else []
            if classes and all(c.lstrip("-").isdigit() for c in classes):
                classes = sorted(classes, key=int)
            for criterion in criteria:
                sk, sk_path = sklearn_tree(X.astype(np.float32).astype(np.float64), y, criterion)
                root_feature = int(sk.feature[0])
                single = os.path.join(tmp, "%s-single.csv" % name)
                write_csv(single, [names[root_feature], header[t]], X[:, [root_feature]], y, 1)
                runs = [("grown", X, os.path.join(DATA, name + ".csv")),
                        ("single feature", X[:, [root_feature]], single)]
                for label, Xv, csv_path in runs:
                    sk_v, sk_path_v = sklearn_tree(Xv.astype(np.float32).astype(np.float64), y, criterion)
                    ours, our_path = prune_tree(args.prune, csv_path, target, criterion)
                    diff = first_difference(sk_v, ours)
                    ok, detail = compare_paths(sk_path_v, our_path)
                    if diff is None:
                        trees = "identical trees (%d nodes)" % sk_v.node_count
                    elif diff < sk_v.node_count and diff < len(ours["feature"]):
                        trees = "trees part at node %d (scikit-learn: feature %d, threshold %.6g; Prune: feature %d, threshold %.6g)" % (
                            diff, sk_v.feature[diff], sk_v.threshold[diff], ours["feature"][diff], ours["threshold"][diff])
                    else:
                        trees = "trees part at node %d (node counts %d vs %d)" % (diff, sk_v.node_count, len(ours["feature"]))
                    print("%-14s %-14s %-15s %s; path %s (%s)" % (name, criterion, label, trees, "EQUAL" if ok else "DIFFERS", detail))
                    if diff is None and not ok:
                        failures += 1
                    if label == "single feature" and diff is not None:
                        failures += 1
                exported = os.path.join(tmp, "%s-%s-sklearn-tree.json" % (name, criterion))
                export_sklearn_tree(sk, names, classes, criterion, exported)
                our_path = prune_path_of(args.prune, exported, os.path.join(DATA, name + ".csv"), target, criterion)
                ok, detail = compare_paths(sk_path, our_path)
                print("%-14s %-14s %-15s path %s (%s)" % (name, criterion, "same tree", "EQUAL" if ok else "DIFFERS", detail))
                if not ok:
                    failures += 1
                with open(exported) as f:
                    fixture.append({"data": name, "criterion": criterion, "tree": json.load(f),
                                    "alphas": [float(v) for v in sk_path.ccp_alphas],
                                    "impurities": [float(v) for v in sk_path.impurities]})
    if args.write_fixture:
        with open(args.write_fixture, "w") as f:
            json.dump(fixture, f, indent=1)
        print("wrote", args.write_fixture)
    print("parity: %s" % ("OK" if failures == 0 else "%d comparison(s) failed" % failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
