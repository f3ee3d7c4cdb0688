"""Reference side of `npm run bench -- clv`: lifetimes 0.11.3 on CDNOW.

Fits ParetoNBDFitter, BetaGeoFitter, ModifiedBetaGeoFitter and
GammaGammaFitter on the CDNOW master file as of the given day (lifetimes'
summary_data_from_transaction_data, freq 'D'), and writes as JSON to stdout:
the parameters (Gamma-Gamma's fitted, as the product fits it, on every
order day with the first included); each customer's BG/NBD + Gamma-Gamma value over the horizon
(expected purchases x lifetimes' usual Gamma-Gamma on repeat purchases: the
ranking "BG/NBD's top N" uses); and each customer's (x, tx, T) with Pareto/NBD's
P(alive), expected purchases and P(no purchase) over the horizon at
lifetimes' own parameters, against which the bench checks our functions.
ParetoNBDFitter starts from a random point; the seed makes runs repeatable.
Usage: clv_lifetimes.py <CDNOW_master.txt> <as-of YYYY-MM-DD> <horizon days>
"""
import json, sys, warnings
import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
from lifetimes.utils import summary_data_from_transaction_data

warnings.filterwarnings("ignore")
np.random.seed(0)
path, as_of, horizon = sys.argv[1], sys.argv[2], float(sys.argv[3])
df = pd.read_csv(path, sep=r"\s+", header=None, names=["id", "date", "cds", "value"], skiprows=1, dtype={"id": str, "date": str})
df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
cal = df[df.date <= as_of]
s = summary_data_from_transaction_data(cal, "id", "date", monetary_value_col="value", observation_period_end=as_of, freq="D")
f, rec, T = s["frequency"], s["recency"], s["T"]
bg = BetaGeoFitter().fit(f, rec, T)
mbg = ModifiedBetaGeoFitter().fit(f, rec, T)
pnbd = ParetoNBDFitter().fit(f, rec, T)
rep = s[(s.frequency > 0) & (s.monetary_value > 0)]
# lifetimes' own Gamma-Gamma (repeat purchases only): the reference ranking.
gg = GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
# The product's Gamma-Gamma input: every order day, the first included
# (activities/model/clv/customer-value.ts), fitted by lifetimes for the
# parameter comparison.
days = cal.groupby(["id", "date"])["value"].sum().groupby("id")
n_days, day_mean = days.size().reindex(s.index), days.mean().reindex(s.index)
paid = day_mean > 0
gg_all_days = GammaGammaFitter().fit(n_days[paid], day_mean[paid])
orders = bg.conditional_expected_number_of_purchases_up_to_time(horizon, f, rec, T)
spend = gg.conditional_expected_average_profit(f, s["monetary_value"])
value = orders * spend
p_alive = pnbd.conditional_probability_alive(f, rec, T)
expected = pnbd.conditional_expected_number_of_purchases_up_to_time(horizon, f, rec, T)
no_order = pnbd.conditional_probability_of_n_purchases_up_to_time(0, horizon, f, rec, T)
print(json.dumps({
    "bgnbd": {k: float(v) for k, v in bg.params_.items()},
    "mbgnbd": {k: float(v) for k, v in mbg.params_.items()},
    "paretoNbd": {k: float(v) for k, v in pnbd.params_.items()},
    "gammaGamma": {k: float(v) for k, v in gg_all_days.params_.items()},
    "customers": int(len(s)),
    "value": {str(i): float(v) for i, v in value.items()},
    "paretoCustomers": [[float(a), float(b), float(c), float(d), float(e), float(g)] for a, b, c, d, e, g in zip(f, rec, T, p_alive, expected, no_order)],
}))
