"""Writes the small tabular data sets that DecisionTrees bundles, as CSV with a header row.

The data come from the scikit-learn wheel (BSD-3-Clause package; the data themselves are
UCI Machine Learning Repository sets under CC BY 4.0, see Sources/DecisionTrees/Datasets/README.md).
Run: python3 scripts/data/export_tree_datasets.py
"""
import csv
import os

from sklearn import datasets

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Sources", "DecisionTrees", "Datasets")


def clean(name):
    return name.strip().replace(" ", "_").replace("(", "").replace(")", "")


def write(name, bunch, target_name, classes=True):
    path = os.path.join(OUT, name + ".csv")
    names = [clean(n) for n in bunch.feature_names]
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(names + [target_name])
        for row, y in zip(bunch.data, bunch.target):
            label = bunch.target_names[y] if classes else repr(float(y))
            w.writerow([repr(float(v)) for v in row] + [label])
    print("wrote", path, bunch.data.shape)


write("iris", datasets.load_iris(), "species")
write("wine", datasets.load_wine(), "cultivar")
write("breast-cancer", datasets.load_breast_cancer(), "diagnosis")
digits = datasets.load_digits()
digits.feature_names = ["pixel_%d_%d" % (i // 8, i % 8) for i in range(64)]
digits.target_names = [str(d) for d in range(10)]
write("digits", digits, "digit")
write("diabetes", datasets.load_diabetes(scaled=False), "progression", classes=False)
