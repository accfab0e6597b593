"""The printable summary of ``critmin optimise``: portfolio, losses, frontier and the check."""

from __future__ import annotations

import json

import xarray as xr

from critmin.glossary import tail_caveat


def _usd(x: float) -> str:
    """Compact USD: 1.23 bn, 45.6 m, 7,800."""
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:,.2f} bn"
    if a >= 1e6:
        return f"{x / 1e6:,.1f} m"
    return f"{x:,.0f}"


def summary_text(result: xr.Dataset, front: xr.Dataset | None, check: xr.Dataset | None, top: int = 10) -> str:
    """The printable summary of one optimisation (see :func:`critmin.optimise.pipeline.run_optimise_command`)."""
    files = ", ".join(json.loads(result.attrs.get("scenario_files", "[]")))
    lines = [
        f"Response portfolio: budget USD {_usd(float(result.budget_usd))}, "
        f"{result.sizes['scenario']} scenarios ({files})",
        f"  expected loss {_usd(float(result.expected_loss_usd))} USD "
        f"(do nothing {_usd(float(result.do_nothing_loss_usd))}); "
        f"CVaR{int(100 * result.attrs.get('cvar_alpha', 0.95))} "
        f"{_usd(float(result.cvar_usd))} (do nothing {_usd(float(result.do_nothing_cvar_usd))}; "
        f"{tail_caveat(result.sizes['scenario'])})",
        f"  outlay {_usd(float(result.outlay_usd))} USD, net cost "
        f"{_usd(float(result.programme_cost_usd))} USD, MIP gap {float(result.mip_gap):.2%}",
        "",
    ]
    bought = result[["buy_t", "stock_cost_usd"]].to_dataframe()
    bought = bought[bought.buy_t > 1e-6]
    lines.append("Stockpile purchases (holder/material: t, USD)")
    lines += [
        f"  {opt:<32} {row.buy_t:>12,.1f} t {_usd(row.stock_cost_usd):>12}" for opt, row in bought.iterrows()
    ] or ["  none"]
    lines.append("Projects backed (project x instrument: outlay USD, net cost USD)")
    if "choice" in result and result.sizes.get("project", 0):
        chosen = result[["choice", "instrument_outlay_usd", "instrument_net_cost_usd"]].to_dataframe().dropna()
        chosen = chosen[chosen.choice > 0.5]
        lines += [
            f"  {p} x {i}: {_usd(r.instrument_outlay_usd)} ({_usd(r.instrument_net_cost_usd)})"
            for (p, i), r in chosen.iterrows()
        ] or ["  none"]
    else:
        lines.append("  none offered on the simulated materials")
    lines.append("Research funded")
    if "fund" in result and result.sizes.get("programme", 0):
        funded = [str(p) for p in result.programme.values if float(result.fund.sel(programme=p)) > 0.5]
        lines += [f"  {p}: {_usd(float(result.research_cost_usd.sel(programme=p)))}" for p in funded] or ["  none"]
    else:
        lines.append("  none offered on the simulated materials")
    lines += ["", "Marginal value per USD (expected loss avoided per USD of budget, top options)"]
    values = []
    for var in ("marginal_value_per_usd_buy", "marginal_value_per_usd_choice", "marginal_value_per_usd_fund"):
        if var in result:
            s = result[var].to_series().dropna()
            values += [(float(v), "/".join(map(str, k)) if isinstance(k, tuple) else str(k)) for k, v in s.items()]
    values.sort(key=lambda kv: -kv[0])
    lines += [f"  {name:<44} {v:>10.2f}" for v, name in values[:top]] or ["  none"]
    if "months_of_cover" in result:
        cover = result.months_of_cover.transpose("region", "material").to_series()
        cover = cover[cover > 1e-6]
        lines += ["", "Months of cover gained (ally, material)"]
        lines += [f"  {r:<5} {m:<18} {v:>8.2f}" for (r, m), v in cover.items()] or ["  none"]
    if "burden_share" in result:
        lines += [
            "",
            f"Burden sharing ({result.attrs.get('burden_rule', 'consumption')} rule): "
            "share, contribution USD, benefit USD",
        ]
        b = result[["burden_share", "burden_contribution_usd", "burden_benefit_usd"]].to_dataframe()
        lines += [
            f"  {a:<5} {r.burden_share:>6.1%} {_usd(r.burden_contribution_usd):>12} {_usd(r.burden_benefit_usd):>12}"
            for a, r in b.iterrows()
        ]
    if front is not None:
        lines += ["", "Frontier (budget USD: expected loss, CVaR, outlay)"]
        lines += [
            f"  {_usd(float(b)):>10}: {_usd(float(front.expected_loss_usd.sel(budget=b))):>12}"
            f" {_usd(float(front.cvar_usd.sel(budget=b))):>12}"
            f" {_usd(float(front.outlay_usd.sel(budget=b))):>12}"
            for b in front.budget.values
        ]
    if check is not None:
        lines += [
            "",
            f"Out of sample ({check.attrs['draws']} fresh draws per file, seed {check.attrs['seed']}; "
            "stockpiles and projects simulated, research in sample only)",
            f"  expected loss without {_usd(float(check.expected_loss_without_usd))}, with "
            f"{_usd(float(check.expected_loss_with_usd))}: avoided "
            f"{_usd(float(check.loss_avoided_usd))} USD "
            f"(in sample {_usd(float(check.in_sample_loss_avoided_usd))})",
        ]
        simulated = json.loads(check.attrs.get("projects_simulated", "[]"))
        if simulated:
            lines.append("  projects simulated: " + ", ".join(simulated))
        added = json.loads(check.attrs.get("release_rule_added", "[]"))
        if added:
            lines.append("  default release rule added to: " + ", ".join(added))
    return "\n".join(lines)
