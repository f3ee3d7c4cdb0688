"""Reference side of `npm run bench -- clv`: lifetimes 0.11.3 on CDNOW.

Fits BetaGeoFitter, ModifiedBetaGeoFitter and GammaGammaFitter on the CDNOW
master file as of the given day (lifetimes' summary_data_from_transaction_data,
freq 'D'), and writes the parameters plus each customer's BG/NBD + Gamma-Gamma
value over the horizon (expected purchases x conditional expected average
profit, the ranking "BG/NBD's top N" uses) as JSON to stdout.
Usage: clv_lifetimes.py <CDNOW_master.txt> <as-of YYYY-MM-DD> <horizon days>
"""
import json, sys, warnings
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter
from lifetimes.utils import summary_data_from_transaction_data

warnings.filterwarnings("ignore")
path, as_of, horizon = sys.argv[1], sys.argv[2], float(sys.argv[3])
df = pd.read_csv(path, sep=r"\s+", header=None, names=["id", "date", "cds", "value"], skiprows=1, dtype={"id": str, "date": str})
df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
cal = df[df.date <= as_of]
s = summary_data_from_transaction_data(cal, "id", "date", monetary_value_col="value", observation_period_end=as_of, freq="D")
bg = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
mbg = ModifiedBetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
rep = s[(s.frequency > 0) & (s.monetary_value > 0)]
gg = GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
orders = bg.conditional_expected_number_of_purchases_up_to_time(horizon, s["frequency"], s["recency"], s["T"])
spend = gg.conditional_expected_average_profit(s["frequency"], s["monetary_value"])
value = orders * spend
print(json.dumps({
    "bgnbd": {k: float(v) for k, v in bg.params_.items()},
    "mbgnbd": {k: float(v) for k, v in mbg.params_.items()},
    "gammaGamma": {k: float(v) for k, v in gg.params_.items()},
    "customers": int(len(s)),
    "value": {str(i): float(v) for i, v in value.items()},
}))
