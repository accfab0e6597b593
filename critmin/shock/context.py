"""Constants of one batch of draws: network arrays, per-draw parameters and policy, pre-indexed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from critmin.scenarios.spec import Policy, Scenario
from critmin.shock.firms import Firms, build_firms
from critmin.shock.network import Network
from critmin.shock.prices import Markets, build_markets


@dataclass(frozen=True, eq=False)
class Level:
    """Items of one chain level, their sourcing edges and the chain links feeding them."""

    items: np.ndarray
    edges: np.ndarray
    pairs: np.ndarray
    links_in: tuple[tuple[int, int, float], ...]
    links_out: tuple[tuple[int, int, float], ...]


@dataclass(frozen=True, eq=False)
class Context:
    """Everything `step` reads but never changes."""

    net: Network
    params: dict[str, np.ndarray]
    levels: tuple[Level, ...]
    links: tuple[tuple[int, int, float], ...]
    world: np.ndarray
    inside: np.ndarray
    sector_order: np.ndarray
    n_priority: int
    policy: Policy
    stock0: np.ndarray
    history: int
    pair_item: np.ndarray
    pair_country: np.ndarray
    pair_final: np.ndarray
    pair_of: np.ndarray
    firms: Firms
    markets: Markets

    @property
    def draws(self) -> int:
        """Number of draws in the batch."""
        return len(next(iter(self.params.values())))


def _inside_country(net: Network, scenario: Scenario) -> np.ndarray:
    """Inside market per item: the controller of the first control covering it, else China."""
    default = net.countries.index("CHN") if "CHN" in net.countries else int(np.argmax(net.production.sum(0)))
    inside = np.full(len(net.items), default)
    for e in reversed(scenario.events):
        if e.kind == "export_control" and e.controller in net.countries:
            from critmin.shock.events import _control_items

            inside[_control_items(e, net)] = net.countries.index(e.controller)
    return inside


def _sector_order(net: Network, policy: Policy) -> tuple[np.ndarray, int]:
    first = [] if policy.allocation == "pro_rata" else [s for s in policy.allocation if s in net.sectors]
    order = [net.sectors.index(s) for s in first]
    order += [n for n in range(len(net.sectors)) if n not in order]
    return np.array(order), len(first)


def build_context(net: Network, scenario: Scenario, params: dict[str, np.ndarray]) -> Context:
    """Pre-index the network for the vectorised step."""
    from critmin.shock.events import baseline_final_demand

    links = tuple((int(o), int(j), float(net.chain[o, j])) for o, j in zip(*np.nonzero(net.chain), strict=False))
    pair_item, pair_country = net.final_pairs
    pair_of = np.full(net.shape, -1)
    pair_of[pair_item, pair_country] = np.arange(len(pair_item))
    levels = []
    for lev in sorted(set(net.level.tolist())):
        items = np.flatnonzero(net.level == lev)
        edges = np.flatnonzero(np.isin(net.edge_item, items))
        levels.append(
            Level(
                items,
                edges,
                np.flatnonzero(np.isin(pair_item, items)),
                tuple(k for k in links if k[0] in items),
                tuple(k for k in links if k[1] in items),
            )
        )
    order, n_priority = _sector_order(net, scenario.policy)
    lags = params["price_lag_months"] + params["substitution_lag_months"]
    inside = _inside_country(net, scenario)
    return Context(
        net,
        params,
        tuple(levels),
        links,
        net.need.sum(1),
        inside,
        order,
        n_priority,
        scenario.policy,
        net.stockpile,
        int(lags.max()) + 1,
        pair_item,
        pair_country,
        baseline_final_demand(net, scenario)[pair_item, pair_country],
        pair_of,
        build_firms(net, scenario, params, inside),
        build_markets(net, inside),
    )
