"""CIDR functions (facts 2.12): parseCidr, cidrSubnet, cidrHost."""

from __future__ import annotations

from typing import Any

from .base import CallSite, builtin, expect_int, expect_string


def _network(call: CallSite, text: str) -> Any:
    import ipaddress

    if "/" not in text:
        raise call.error(f"{text!r} is not in CIDR notation (address/prefix)")
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError as error:
        raise call.error(f"{text!r} is not a valid CIDR range: {error}") from None


def _usable_range(network: Any) -> tuple[Any, Any]:
    """First and last usable addresses (IPv4 reserves network and broadcast below /31)."""
    if network.version == 4 and network.prefixlen <= 30:
        return network.network_address + 1, network.broadcast_address - 1
    return network.network_address, network.broadcast_address


@builtin("parseCidr", 1, 1)
def fn_parse_cidr(call: CallSite, args: list[Any]) -> Any:
    network = _network(call, expect_string(call, args, 0))
    first, last = _usable_range(network)
    result: dict[str, Any] = {"network": str(network.network_address), "netmask": str(network.netmask)}
    if network.version == 4:
        result["broadcast"] = str(network.broadcast_address)
    result["firstUsable"] = str(first)
    result["lastUsable"] = str(last)
    result["cidr"] = network.prefixlen
    return result


@builtin("cidrSubnet", 3, 3)
def fn_cidr_subnet(call: CallSite, args: list[Any]) -> Any:
    network = _network(call, expect_string(call, args, 0))
    new_prefix = expect_int(call, args, 1)
    index = expect_int(call, args, 2)
    if not network.prefixlen <= new_prefix <= network.max_prefixlen:
        raise call.error(
            f"the new CIDR {new_prefix} must be between {network.prefixlen} and {network.max_prefixlen}"
        )
    count = 1 << (new_prefix - network.prefixlen)
    if not 0 <= index < count:
        raise call.error(f"the subnet index {index} is out of range (0 to {count - 1})")
    size = 1 << (network.max_prefixlen - new_prefix)
    address = network.network_address + index * size
    return f"{address}/{new_prefix}"


@builtin("cidrHost", 2, 2)
def fn_cidr_host(call: CallSite, args: list[Any]) -> Any:
    network = _network(call, expect_string(call, args, 0))
    index = expect_int(call, args, 1)
    last = _usable_range(network)[1]
    if index < 0 or int(network.network_address) + 1 + index > int(last):
        raise call.error(f"the host index {index} is outside the usable addresses of {network}")
    return str(network.network_address + 1 + index)
