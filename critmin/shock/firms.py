"""Who stops: firm classes with their own cover and origin, per (material node, country, sector).

A country's pooled inventory (step.py) says how much material there is; it does not say *which*
firms run out. Firms differ in how much stock they hold and where they buy, so a country that
makes most of its own magnets still has firms that stop when their Chinese magnets do not come.
Each final-demand node (item i, country c) and sector s carries ``G x K`` firm classes:

* **origin groups** ``g``: firms tied to the inside origin (the controller of the item, China
  where no control names another) and firms tied to everyone else. With ``h`` the node's
  baseline sourcing share from the inside origin and ``sigma = sole_sourcing``, the groups buy
  ``w = (h, 1 - h)`` of the need and take from the inside origin the shares
  ``a = (h + sigma (1 - h), h (1 - sigma))``, so that ``sum_g w_g a_g = h`` (the national mix);
* **cover classes** ``k`` (``K = 4``, equal weight): stock of ``cover / 30.44 x m_k`` months
  of need, ``cover`` the sector's ``inventory_cover`` days (else the node's cover) and
  ``m_k = 1 + spread (2k + 1 - K) / K`` (the midpoints of a uniform spread of
  ``(1 -/+ firm_cover_spread)`` around it).

Each month the node's supply per month of need, ``R / N`` (receipts, projects, stockpile
release), is shared over the groups by how well each origin filled its orders: ``f_in``
(receipts from the inside origin plus supply redirected to replace refused orders, over the
orders placed there, refused ones included) and ``f_oth`` (the same for every other supplier),
1 where none were placed: ``q_g = R / N x (a_g f_in + (1 - a_g) f_oth) / (h f_in + (1 - h)
f_oth)``. So a pooled buyer that orders less from China because a project fills its stock does
not starve the firms tied to China; a refusal does. A class with stock ``S`` has ``S + q_g``; it
runs when that is at least its sector's minimum operating level (the dataset row
``min_operating_level_<sector>``, else ``min_operating_level``) and then uses
``min(1, S + q_g)``; a stopped class uses nothing and keeps what arrives. ``S' = S + q_g - use``.

The classes decide who stops; the pool decides how much there is: a sector uses
``min(pool allocation, F x sum(w_g use_gk) / K)``, and if the pool's allocation is below the
operating level of what the running classes would use, the whole sector stops (the pool is
empty for everyone). The reported stop share is ``sum(w_g [class stopped]) / K``.

Examples
--------
A sector tied to one origin that stops delivering: the classes with less cover stop first.

>>> stock = np.array([0.5, 1.0, 1.5, 2.0]).reshape(1, 1, 1, 1, 4)
>>> new, running, use = operate(stock, np.zeros((1, 1, 1)), np.array([[0.8]]))
>>> running.astype(int).ravel().tolist(), new.ravel().tolist()
([0, 1, 1, 1], [0.5, 0.0, 0.5, 1.0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from critmin.scenarios.spec import Scenario
from critmin.shock.network import Network
from critmin.shock.parameters import DAYS_PER_MONTH
from critmin.shock.sector_levels import sector_level_key

FIRM_CLASSES: Final = 4
"""Cover classes per origin group (equal shares of the sector's need)."""

ORIGIN_GROUPS: Final = 2
"""Firms tied to the inside origin (0) and to everyone else (1)."""


@dataclass(frozen=True, eq=False)
class Firms:
    """Constant arrays of the firm classes for one batch (F final-demand nodes, S sectors).

    Attributes
    ----------
    inside_share : ndarray (F,)
        Baseline share ``h`` of the node's supply from the inside origin.
    weight : ndarray (F, G)
        Share of the node's need bought by each origin group, ``(h, 1 - h)``.
    tie : ndarray (B, F, G)
        Share of each group's supply from the inside origin.
    stock0 : ndarray (B, F, S, 1, K)
        Initial stock of each cover class, months of need.
    min_level : ndarray (B, S)
        Minimum operating level per draw and sector.
    """

    inside_share: np.ndarray
    weight: np.ndarray
    tie: np.ndarray
    stock0: np.ndarray
    min_level: np.ndarray


def cover_multipliers(spread: np.ndarray) -> np.ndarray:
    """Cover of each class over the mean cover, (B, K), from ``firm_cover_spread`` per draw.

    Examples
    --------
    >>> cover_multipliers(np.array([0.6])).round(2).tolist()
    [[0.55, 0.85, 1.15, 1.45]]
    """
    k = np.arange(FIRM_CLASSES)
    return 1.0 + spread[:, None] * (2 * k + 1 - FIRM_CLASSES) / FIRM_CLASSES


def inside_shares(net: Network, inside: np.ndarray) -> np.ndarray:
    """Baseline sourcing share from the inside origin per final-demand node, (F,)."""
    item, country = net.final_pairs
    share = np.zeros(net.shape)
    from_inside = net.edge_supplier == inside[net.edge_item]
    np.add.at(share, (net.edge_item[from_inside], net.edge_buyer[from_inside]), net.edge_share[from_inside])
    return np.clip(share[item, country], 0.0, 1.0)


def _levels(net: Network, scenario: Scenario, params: dict[str, np.ndarray]) -> np.ndarray:
    """(B, S): the sector's own level unless the scenario sets ``min_operating_level``."""
    key = "min_operating_level"
    overridden = key in dict(scenario.parameters) or f"parameters.{key}" in dict(scenario.uncertain)
    base = params[key]
    columns = [
        base if overridden else np.full_like(base, net.parameters.get(sector_level_key(s), float(base[0])))
        for s in net.sectors
    ]
    return np.stack(columns, axis=-1)


def build_firms(net: Network, scenario: Scenario, params: dict[str, np.ndarray], inside: np.ndarray) -> Firms:
    """The firm classes of a batch from the network, the scenario's overrides and the draws."""
    item, country = net.final_pairs
    h = inside_shares(net, inside)
    sigma = np.clip(params["sole_sourcing"], 0.0, 1.0)[:, None]
    tie = np.stack([h + sigma * (1.0 - h), h * (1.0 - sigma)], axis=-1)
    months = net.cover_by_sector()[item, country] / DAYS_PER_MONTH
    stock0 = months[None, :, :, None, None] * cover_multipliers(params["firm_cover_spread"])[:, None, None, None]
    return Firms(h, np.stack([h, 1.0 - h], axis=-1), tie, stock0, _levels(net, scenario, params))


def initial_stock(firms: Firms, sectors: int) -> np.ndarray:
    """Stock of every class at the start, (B, F, S, G, K) months of need."""
    b, f, _, _, k = firms.stock0.shape
    return np.broadcast_to(firms.stock0, (b, f, sectors, ORIGIN_GROUPS, k)).copy()


def group_supply(tie: np.ndarray, h: np.ndarray, fill: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Supply of each origin group in months of its need, (B, F, G).

    `fill` (B, F, 2) is the share of the node's orders filled by the inside origin (redirected
    supply counted with it, as it replaces refused orders) and by everyone else; `total` (B, F)
    what the node received in all, per month of its need. A group gets `total` scaled by how
    well its origins filled: ``q_g = total (a_g f_in + (1 - a_g) f_oth) / (h f_in + (1 - h) f_oth)``
    (so ``sum_g w_g q_g = total``; `total` when nothing was filled).

    Examples
    --------
    Half the node buys from the inside origin, which fills nothing; firms fully tied:

    >>> group_supply(np.array([[[1.0, 0.0]]]), np.array([0.5]), np.array([[[0.0, 1.0]]]),
    ...              np.array([[0.5]])).tolist()
    [[[0.0, 1.0]]]
    """
    f_in, f_oth = fill[..., :1], fill[..., 1:]
    mix = h[:, None] * f_in + (1.0 - h[:, None]) * f_oth
    own = tie * f_in + (1.0 - tie) * f_oth
    return total[..., None] * np.where(mix > 0, own / np.where(mix > 0, mix, 1.0), 1.0)


def operate(stock: np.ndarray, supply: np.ndarray, min_level: np.ndarray) -> tuple[np.ndarray, ...]:
    """One month of the classes: (new stock, running, use), each (B, F, S, G, K).

    `stock` (B, F, S, G, K) and `supply` (B, F, G) in months of need; `min_level` (B, S).
    """
    have = stock + supply[:, :, None, :, None]
    running = have >= min_level[:, None, :, None, None]
    use = np.where(running, np.minimum(1.0, have), 0.0)
    return have - use, running, use


def sector_use(
    alloc: np.ndarray,
    final: np.ndarray,
    weight: np.ndarray,
    running: np.ndarray,
    use: np.ndarray,
    min_level: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Final use (B, F, S) and stopped share of output (B, F, S) from the pool and the classes.

    `alloc` is the pool's allocation to each sector (priority first, then pro rata).

    Examples
    --------
    A quarter of the need sits with firms that stopped; the pool has enough for the rest:

    >>> w = np.array([[0.5, 0.5]]); run = np.ones((1, 1, 1, 2, 4), bool); run[..., 0, :2] = False
    >>> use, share = sector_use(np.array([[[8.0]]]), np.array([[[10.0]]]), w, run,
    ...                         run.astype(float), np.array([[0.5]]))
    >>> use.tolist(), share.tolist()
    ([[[7.5]]], [[[0.25]]])
    """
    w = weight[None, :, None, :, None] / running.shape[-1]
    wanted = final * (w * use).sum((-1, -2))
    share = (w * ~running).sum((-1, -2))
    empty = (final > 0) & (alloc < min_level[:, None, :] * wanted)
    share = np.where(final > 0, np.where(empty, 1.0, share), 0.0)
    return np.where(empty, 0.0, np.minimum(alloc, wanted)), share
