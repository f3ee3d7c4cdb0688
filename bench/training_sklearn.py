"""The training stage's k-means model selection done by scikit-learn on the
same matrix, for `npm run bench -- training`: for every k, KMeans with
k-means++ and n_init restarts (lloyd, max_iter like ml-kmeans), then the
silhouette on a sample, Davies-Bouldin and Calinski-Harabasz. Prints JSON."""
import json
import sys
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

path, n, d, k_min, k_max, n_init, max_iter, sample, fixed_k = sys.argv[1:10]
n, d, k_min, k_max, n_init, max_iter, sample, fixed_k = map(int, (n, d, k_min, k_max, n_init, max_iter, sample, fixed_k))
x = np.fromfile(path, dtype=np.float64).reshape(n, d)

started = time.perf_counter()
best = None
for k in range(k_min, k_max + 1):
    model = KMeans(n_clusters=k, init="k-means++", n_init=n_init, max_iter=max_iter, algorithm="lloyd", random_state=42).fit(x)
    s = silhouette_score(x, model.labels_, sample_size=min(sample, n), random_state=42)
    davies_bouldin_score(x, model.labels_)
    calinski_harabasz_score(x, model.labels_)
    if best is None or s > best[1]:
        best = (k, s)
selection = time.perf_counter() - started

started = time.perf_counter()
KMeans(n_clusters=fixed_k, init="k-means++", n_init=n_init, max_iter=max_iter, algorithm="lloyd", random_state=42).fit(x)
single = time.perf_counter() - started

print(json.dumps({"selection_seconds": selection, "chosen_k": best[0], "single_k_seconds": single}))
