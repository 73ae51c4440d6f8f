"""vmssplan.inputs.edits: az generic update arguments (--set/--add/--remove) and REST PATCH bodies."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from shapes import az_shape
from vmssplan.inputs.edits import (
    RULE_PATCH_BODY,
    EditOperation,
    apply_generic_update,
    apply_patch_body,
    is_rest_shaped,
    parse_edit_arguments,
    parse_edit_argv,
    parse_value,
    split_path,
    to_rest_shape,
)
from vmssplan.model import DocumentError, ScaleSetSource, UsageError
from vmssplan.normalize import normalize

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"

IP = "virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0].ipConfigurations[0]"
APPGW_POOL = ("/subscriptions/0f4c6a4e-3a1b-4c5d-9e8f-1a2b3c4d5e6f/resourceGroups/web-rg/providers/"
              "Microsoft.Network/applicationGateways/web-appgw/backendAddressPools/web-pool")


def load(name: str, file: str = "current.json") -> dict[str, Any]:
    return json.loads((EXAMPLES / name / file).read_text(encoding="utf-8"))


@pytest.fixture
def rest() -> dict[str, Any]:
    """A REST GET response (properties envelope at the top and in NICs, IP configs, extensions)."""
    doc = load("os-image-version")
    # Name the CustomScript extension as Microsoft's docs do.
    doc["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"][1]["name"] = "CustomScript"
    return doc


@pytest.fixture
def az(rest: dict[str, Any]) -> dict[str, Any]:
    """The same scale set as `az vmss show` prints it."""
    return az_shape(copy.deepcopy(rest))


@pytest.fixture(params=["rest", "az"])
def doc(request: pytest.FixtureRequest, rest: dict[str, Any], az: dict[str, Any]) -> dict[str, Any]:
    return rest if request.param == "rest" else az


def props(document: dict[str, Any]) -> dict[str, Any]:
    """The model properties whatever the shape."""
    return document["properties"] if is_rest_shaped(document) else document


def flat(item: dict[str, Any]) -> dict[str, Any]:
    """An enveloped item's properties whatever the shape."""
    return item["properties"] if isinstance(item.get("properties"), dict) else item


def ip_config(document: dict[str, Any]) -> dict[str, Any]:
    nic = props(document)["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"][0]
    return flat(flat(nic)["ipConfigurations"][0])


def extension(document: dict[str, Any], name: str) -> dict[str, Any]:
    exts = props(document)["virtualMachineProfile"]["extensionProfile"]["extensions"]
    return flat(next(e for e in exts if e["name"] == name))


def edit(document: dict[str, Any], *argv: str) -> dict[str, Any]:
    return apply_generic_update(document, parse_edit_argv(list(argv)))


def usage_error(document: dict[str, Any], *argv: str) -> str:
    with pytest.raises(UsageError) as info:
        edit(document, *argv)
    assert info.value.exit_code == 2
    return str(info.value)


# --- Microsoft's documented examples, on both shapes --------------------------------------------


def test_set_image_version(doc: dict[str, Any]) -> None:
    out = edit(doc, "--set", "virtualMachineProfile.storageProfile.imageReference.version=16.04.201801090")
    assert props(out)["virtualMachineProfile"]["storageProfile"]["imageReference"]["version"] == "16.04.201801090"
    assert is_rest_shaped(out) == is_rest_shaped(doc)  # the shape is kept


def test_set_capacity_is_an_integer(doc: dict[str, Any]) -> None:
    out = edit(doc, "--set", "sku.capacity=5")
    assert out["sku"] == {**doc["sku"], "capacity": 5}


def test_remove_load_balancer_pool(doc: dict[str, Any]) -> None:
    out = edit(doc, "--remove", f"{IP}.loadBalancerBackendAddressPools", "0")
    assert ip_config(out)["loadBalancerBackendAddressPools"] == []
    assert ip_config(doc)["loadBalancerBackendAddressPools"] != []  # input untouched


def test_add_application_gateway_pool_creates_the_list(doc: dict[str, Any]) -> None:
    # The docs write the name in PascalCase; az matches model properties by snake_case name.
    out = edit(doc, "--add", f"{IP}.ApplicationGatewayBackendAddressPools", json.dumps({"id": APPGW_POOL}))
    assert ip_config(out)["applicationGatewayBackendAddressPools"] == [{"id": APPGW_POOL}]
    if is_rest_shaped(doc):  # created inside the IP configuration's envelope, REST spelling
        item = out["properties"]["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"][0][
            "properties"]["ipConfigurations"][0]
        assert set(item) == {"name", "properties"}


def test_add_to_an_existing_list_appends(doc: dict[str, Any]) -> None:
    other = APPGW_POOL.replace("web-pool", "other")
    out = edit(doc, "--add", f"{IP}.loadBalancerBackendAddressPools", json.dumps({"id": other}))
    pools = ip_config(out)["loadBalancerBackendAddressPools"]
    assert len(pools) == 2 and pools[-1] == {"id": other}


@pytest.mark.parametrize("value", ["bash x.sh", "'bash x.sh'", '"bash x.sh"'])
def test_set_extension_setting_by_name_selector(doc: dict[str, Any], value: str) -> None:
    # `--set ...commandToExecute='bash x.sh'` reaches az as `...=bash x.sh`; quotes that
    # survive the shell are parsed away as a JSON or Python string literal, as az does.
    out = edit(doc, "--set",
               f"virtualMachineProfile.extensionProfile.extensions[name=CustomScript].settings.commandToExecute={value}")
    assert extension(out, "CustomScript")["settings"] == {"commandToExecute": "bash x.sh"}
    assert extension(out, "HealthExtension") == extension(doc, "HealthExtension")


def test_load_balancer_to_app_gateway_gives_the_example_proposal() -> None:
    """The docs' commands applied to the example's current model give its proposed model."""
    for shape in ("rest", "az"):
        current = load("load-balancer-to-app-gateway")
        if shape == "az":
            current = az_shape(current)
        out = edit(current,
                   "--remove", f"{IP}.loadBalancerBackendAddressPools", "0",
                   "--add", f"{IP}.ApplicationGatewayBackendAddressPools", json.dumps({"id": APPGW_POOL}))
        assert canonical(out) == canonical(load("load-balancer-to-app-gateway", "proposed.json")), shape


@pytest.mark.parametrize(("example", "argv"), [
    ("os-image-version", ["--set", "virtualMachineProfile.storageProfile.imageReference.version=22.04.202510010"]),
    ("vm-size", ["--set", "sku.name=Standard_D4s_v5"]),
    ("single-placement-group-off", ["--set", "singlePlacementGroup=false"]),
    ("extension-force-update",
     ["--set", "virtualMachineProfile.extensionProfile.extensions[name=install-web].forceUpdateTag=2025-11-25"]),
])
def test_examples_reproduced_by_az_commands(example: str, argv: list[str]) -> None:
    for current in (load(example), az_shape(load(example))):
        assert canonical(edit(current, *argv)) == canonical(load(example, "proposed.json"))


def canonical(document: dict[str, Any]) -> dict[str, Any]:
    flattened = not is_rest_shaped(document)
    return normalize(ScaleSetSource(name="x", resource=document, file="x", flattened=flattened)).model


# --- path syntax and matching ---------------------------------------------------------------------


def test_split_path_like_az() -> None:
    assert split_path("a.b[0][name=x.y].c") == ["a", "b", "[0]", "[name=x.y]", "c"]
    assert split_path("a.b.[0]") == split_path("a.b[0]") == ["a", "b", "[0]"]


def test_property_names_match_by_snake_case(rest: dict[str, Any], az: dict[str, Any]) -> None:
    out = edit(rest, "--set", "VirtualMachineProfile.StorageProfile.ImageReference.Version=1.2.3")
    ref = out["properties"]["virtualMachineProfile"]["storageProfile"]["imageReference"]
    assert ref["version"] == "1.2.3" and "Version" not in ref
    # az respells diskSizeGB as diskSizeGb; both are disk_size_gb to az
    out = edit(az, "--set", "virtualMachineProfile.storageProfile.osDisk.diskSizeGB=64")
    assert out["virtualMachineProfile"]["storageProfile"]["osDisk"]["diskSizeGb"] == 64
    assert "diskSizeGB" not in out["virtualMachineProfile"]["storageProfile"]["osDisk"]
    # all-lower case is not the same snake_case name, in az or here
    assert "'virtualmachineprofile' not found" in usage_error(rest, "--set", "virtualmachineprofile.x=1")


def test_free_form_keys_match_exactly(doc: dict[str, Any]) -> None:
    out = edit(doc, "--set", "tags.Env=test")
    assert out["tags"] == {"env": "prod", "team": "web", "Env": "test"}
    assert "'Env' not found under 'tags'" in usage_error(doc, "--set", "tags.Env.x=1")


def test_rest_style_paths_work_on_az_documents(az: dict[str, Any], rest: dict[str, Any]) -> None:
    out = edit(az, "--set", "properties.upgradePolicy.mode=Rolling", "properties.singlePlacementGroup=false")
    assert out["upgradePolicy"] == {"mode": "Rolling"} and "properties" not in out
    assert out["singlePlacementGroup"] is False
    out = edit(rest, "--set", "properties.upgradePolicy.mode=Rolling")
    assert out["properties"]["upgradePolicy"] == {"mode": "Rolling"}
    out = edit(rest, "--set", "virtualMachineProfile.networkProfile.networkInterfaceConfigurations[0]"
                              ".properties.primary=false")
    assert ip_config(rest) == ip_config(out)
    nic = out["properties"]["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"][0]
    assert nic["properties"]["primary"] is False


def test_selector_values_are_parsed_as_json(doc: dict[str, Any]) -> None:
    out = edit(doc, "--set", "virtualMachineProfile.storageProfile.dataDisks[lun=0].diskSizeGB=128")
    disk = props(out)["virtualMachineProfile"]["storageProfile"]["dataDisks"][0]
    assert disk["diskSizeGB"] == 128
    assert "no item of" in usage_error(doc, "--set",
                                       'virtualMachineProfile.storageProfile.dataDisks[lun="0"].caching=None')


def test_selector_must_be_unique(doc: dict[str, Any]) -> None:
    message = usage_error(doc, "--set",
                          "virtualMachineProfile.extensionProfile.extensions[autoUpgradeMinorVersion=true].settings.x=1")
    assert "matches 2 items" in message and "must be unique" in message


def test_selector_no_match_lists_the_values(doc: dict[str, Any]) -> None:
    message = usage_error(doc, "--set", "virtualMachineProfile.extensionProfile.extensions[name=Nope].settings.x=1")
    assert "no item of 'virtualMachineProfile.extensionProfile.extensions' has name=Nope" in message
    assert "'CustomScript'" in message and "'HealthExtension'" in message


def test_selector_cannot_end_a_set_path(doc: dict[str, Any]) -> None:
    assert "cannot end a --set path" in usage_error(
        doc, "--set", "virtualMachineProfile.extensionProfile.extensions[name=CustomScript]={}")


def test_negative_index_counts_from_the_end(doc: dict[str, Any]) -> None:
    out = edit(doc, "--set", "virtualMachineProfile.extensionProfile.extensions[-1].name=renamed")
    assert props(out)["virtualMachineProfile"]["extensionProfile"]["extensions"][-1]["name"] == "renamed"


# --- values -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("prod", "prod"),
    ("3", 3),
    ("3.5", 3.5),
    ("true", True),
    ("True", True),  # Python literal, as az's ast.literal_eval fallback
    ("null", None),
    ("None", None),
    ('{"a": 1}', {"a": 1}),
    ("{'a': 1}", {"a": 1}),
    ('["x", 2]', ["x", 2]),
    ('"16"', "16"),
    ("'bash x.sh'", "bash x.sh"),
    ("bash x.sh", "bash x.sh"),
    ("16.04.201801090", "16.04.201801090"),
    ("2025-11-25", "2025-11-25"),
    ("01", "01"),
    ("", ""),
    ("NaN", "NaN"),
    ("1e999", "1e999"),
    ("{1, 2}", "{1, 2}"),
    ("1+2j", "1+2j"),
])
def test_parse_value(text: str, expected: Any) -> None:
    assert parse_value(text) == expected
    assert type(parse_value(text)) is type(expected)


def test_set_values_are_json(doc: dict[str, Any]) -> None:
    out = edit(doc, "--set", "tags.env=staging", "sku.capacity=3", 'tags.obj={"a": 1}', "tags.q=\"7\"")
    assert out["sku"]["capacity"] == 3
    assert out["tags"]["env"] == "staging" and out["tags"]["obj"] == {"a": 1} and out["tags"]["q"] == "7"


def test_force_string(doc: dict[str, Any]) -> None:
    out = edit(doc, "--force-string", "--set", "tags.n=3", "--add", "zones", "4")
    assert out["tags"]["n"] == "3" and out["zones"][-1] == "4"


def test_set_splits_on_the_first_equals_outside_brackets(doc: dict[str, Any]) -> None:
    out = edit(doc, "--set", "tags.url=https://x/?a=b")
    assert out["tags"]["url"] == "https://x/?a=b"


def test_set_without_equals_is_a_usage_error(doc: dict[str, Any]) -> None:
    # az quietly sets "" here; a preview says what is missing instead (issue 15)
    assert "missing =VALUE" in usage_error(doc, "--set", "tags.flag")
    assert edit(doc, "--set", "tags.flag=")["tags"]["flag"] == ""


# --- --set creates and replaces ----------------------------------------------------------------


def test_set_replaces_a_whole_object(doc: dict[str, Any]) -> None:
    out = edit(doc, "--set", 'upgradePolicy={"mode": "Rolling", "rollingUpgradePolicy": {"maxSurge": true}}')
    assert props(out)["upgradePolicy"] == {"mode": "Rolling", "rollingUpgradePolicy": {"maxSurge": True}}


def test_set_creates_the_innermost_unset_model_object(rest: dict[str, Any], az: dict[str, Any]) -> None:
    out = edit(rest, "--set", "virtualMachineProfile.securityProfile.encryptionAtHost=true")
    assert out["properties"]["virtualMachineProfile"]["securityProfile"] == {"encryptionAtHost": True}
    out = edit(az, "--set", "scaleInPolicy.rules=[\"NewestVM\"]")
    assert out["scaleInPolicy"] == {"rules": ["NewestVM"]}


def test_set_new_key_goes_inside_the_envelope(rest: dict[str, Any]) -> None:
    out = edit(rest, "--set", "doNotRunExtensionsOnOverprovisionedVMs=true", "plan={\"name\": \"p\"}")
    assert out["properties"]["doNotRunExtensionsOnOverprovisionedVMs"] is True
    assert out["plan"] == {"name": "p"} and "plan" not in out["properties"]  # plan is resource-level


def test_set_new_property_takes_the_rest_spelling(rest: dict[str, Any]) -> None:
    out = edit(rest, "--set", "virtualMachineProfile.storageProfile.osDisk.WriteAcceleratorEnabled=false")
    assert out["properties"]["virtualMachineProfile"]["storageProfile"]["osDisk"]["writeAcceleratorEnabled"] is False


def test_set_on_null_parent_creates_it(az: dict[str, Any]) -> None:
    az["virtualMachineProfile"]["diagnosticsProfile"] = None
    out = edit(az, "--set", "virtualMachineProfile.diagnosticsProfile.bootDiagnostics={\"enabled\": true}")
    assert out["virtualMachineProfile"]["diagnosticsProfile"] == {"bootDiagnostics": {"enabled": True}}


# --- errors --------------------------------------------------------------------------------------------


def test_missing_path_names_the_segment(doc: dict[str, Any]) -> None:
    message = usage_error(doc, "--set", "virtualMachineProfile.foo.bar=1")
    assert message.startswith("--set virtualMachineProfile.foo.bar=1: 'foo' not found under 'virtualMachineProfile'")
    assert "(keys: extensionProfile, networkProfile, osProfile, storageProfile)" in message


def test_missing_top_level_segment(doc: dict[str, Any]) -> None:
    message = usage_error(doc, "--set", "foo.bar=1")
    assert "'foo' not found at the top level" in message and "virtualMachineProfile" in message
    assert "properties," not in message  # the envelope is not offered as a key


def test_only_the_innermost_object_is_created(doc: dict[str, Any]) -> None:
    message = usage_error(doc, "--set", "virtualMachineProfile.securityProfile.uefiSettings.secureBootEnabled=true")
    assert "'securityProfile' not found under 'virtualMachineProfile'" in message
    assert "--set virtualMachineProfile.securityProfile='{...}'" in message


def test_index_out_of_range(doc: dict[str, Any]) -> None:
    message = usage_error(doc, "--set", f"{IP[:-3]}[3].primary=false")
    assert "index 3 doesn't exist on" in message and "ipConfigurations' (it has 1 item)" in message
    message = usage_error(doc, "--remove", f"{IP}.loadBalancerBackendAddressPools", "1")
    assert "index 1 doesn't exist" in message


def test_index_on_an_object(doc: dict[str, Any]) -> None:
    assert "'sku' is an object, not a list" in usage_error(doc, "--set", "sku[0]=1")


def test_name_on_a_list(doc: dict[str, Any]) -> None:
    message = usage_error(doc, "--set", "zones.first=1")
    assert "it is a list; index it with [<index>] or [<key>=<value>]" in message


def test_path_through_a_scalar(doc: dict[str, Any]) -> None:
    assert "'sku.capacity' is a number" in usage_error(doc, "--set", "sku.capacity.x=1")


def test_remove_with_index_on_a_non_list(doc: dict[str, Any]) -> None:
    message = usage_error(doc, "--remove", "sku", "0")
    assert message.startswith("--remove sku 0: 'sku' is an object, not a list")
    assert "--remove sku)" in message


def test_remove_with_a_bad_index(doc: dict[str, Any]) -> None:
    assert "is not an integer" in usage_error(doc, "--remove", "zones", "first")


def test_add_to_a_non_list(doc: dict[str, Any]) -> None:
    assert "'sku' is an object, not a list: --add appends to a list" in usage_error(doc, "--add", "sku", "1")


def test_remove_index_of_unset_list(doc: dict[str, Any]) -> None:
    message = usage_error(doc, "--remove", f"{IP}.loadBalancerInboundNatPools", "0")
    assert "'loadBalancerInboundNatPools' not found" in message and "nothing to remove" in message


def test_secret_values_are_not_echoed(doc: dict[str, Any]) -> None:
    message = usage_error(doc, "--set", "virtualMachineProfile.osProfile.nothere.adminPassword=Hunter2!")
    assert "Hunter2" not in message and "(sensitive value)" in message
    message = usage_error(doc, "--add", "sku", '{"protectedSettings": {"key": "s3cret"}}')
    assert "s3cret" not in message


def test_empty_key_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="empty key"):
        parse_edit_argv(["--set", "=1"])


def test_argv_errors() -> None:
    with pytest.raises(UsageError, match="unexpected argument '--bogus'"):
        parse_edit_argv(["--bogus", "x"])
    with pytest.raises(UsageError, match="--add: expected at least one argument"):
        parse_edit_argv(["--add", "--set", "a=1"])


def test_non_object_document() -> None:
    with pytest.raises(DocumentError):
        apply_generic_update([], [EditOperation.set("a=1")])  # type: ignore[arg-type]


# --- --add and --remove semantics ----------------------------------------------------------------


def test_add_key_value_pairs_build_one_object_of_strings(doc: dict[str, Any]) -> None:
    out = edit(doc, "--add", "virtualMachineProfile.storageProfile.dataDisks", "lun=1", "createOption=Empty",
               "diskSizeGB=128")
    assert props(out)["virtualMachineProfile"]["storageProfile"]["dataDisks"][-1] == {
        "lun": "1", "createOption": "Empty", "diskSizeGB": "128"}  # az does not parse key=value values


def test_add_mixed_arguments(doc: dict[str, Any]) -> None:
    out = edit(doc, "--add", "zones", "a=1", "4", '"5"', "b=2")
    assert out["zones"] == ["1", "2", "3", {"a": "1"}, 4, "5", {"b": "2"}]


def test_add_to_enveloped_list_of_rest_document(rest: dict[str, Any], az: dict[str, Any]) -> None:
    new = {"name": "monitor", "publisher": "Microsoft.Azure.Monitor", "type": "AzureMonitorLinuxAgent",
           "typeHandlerVersion": "1.0"}
    out = edit(rest, "--add", "virtualMachineProfile.extensionProfile.extensions", json.dumps(new))
    assert out["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"][-1] == {
        "name": "monitor", "properties": {"publisher": "Microsoft.Azure.Monitor", "type": "AzureMonitorLinuxAgent",
                                          "typeHandlerVersion": "1.0"}}
    out = edit(az, "--add", "virtualMachineProfile.extensionProfile.extensions", json.dumps(new))
    assert out["virtualMachineProfile"]["extensionProfile"]["extensions"][-1] == new  # az shape stays flat


def test_remove_a_property(doc: dict[str, Any]) -> None:
    out = edit(doc, "--remove", "tags.team", "--remove", "virtualMachineProfile.extensionProfile")
    assert out["tags"] == {"env": "prod"}
    assert "extensionProfile" not in props(out)["virtualMachineProfile"]


def test_remove_a_list_property_without_index_empties_it(doc: dict[str, Any]) -> None:
    out = edit(doc, "--remove", f"{IP}.loadBalancerBackendAddressPools")
    assert ip_config(out)["loadBalancerBackendAddressPools"] == []  # az resets a model list to []


def test_remove_an_unset_known_property_is_a_no_op(doc: dict[str, Any]) -> None:
    # The docs' "only necessary if you have NAT pools" command, without its index.
    assert edit(doc, "--remove", f"{IP}.loadBalancerInboundNatPools") == doc
    assert "'nope' not found" in usage_error(doc, "--remove", "virtualMachineProfile.nope")


def test_remove_item_syntax_is_path_and_index(doc: dict[str, Any]) -> None:
    message = usage_error(doc, "--remove", "zones[0]")
    assert "--remove zones <index>" in message


def test_remove_ignores_extra_arguments_like_az(doc: dict[str, Any]) -> None:
    assert edit(doc, "--remove", "zones", "0", "1")["zones"] == ["2", "3"]


# --- order --------------------------------------------------------------------------------------------


def test_argv_order_is_kept(doc: dict[str, Any]) -> None:
    ops = parse_edit_argv(["--remove", "zones", "0", "--set", 'zones[0]="9"', "tags.a=1", "--add", "zones", '"7"'])
    assert [(op.kind, op.args) for op in ops] == [
        ("remove", ("zones", "0")), ("set", ('zones[0]="9"',)), ("set", ("tags.a=1",)), ("add", ("zones", '"7"'))]
    assert apply_generic_update(doc, ops)["zones"] == ["9", "3", "7"]  # as az: remove, then set, then add


def test_grouped_order_is_set_add_remove(doc: dict[str, Any]) -> None:
    ops = parse_edit_arguments(set_args=['zones[0]="9"'], add_args=[["zones", '"7"']], remove_args=[["zones", "0"]])
    assert [op.kind for op in ops] == ["set", "add", "remove"]
    # indices refer to the document as shown: zones[0] is "1", removed index 0 is that same item
    assert apply_generic_update(doc, ops)["zones"] == ["2", "3", "7"]


def test_set_equals_form_and_negative_index_in_argv() -> None:
    ops = parse_edit_argv(["--set=a=1", "--remove", "zones", "-1"])
    assert [(op.kind, op.args) for op in ops] == [("set", ("a=1",)), ("remove", ("zones", "-1"))]


def test_each_set_expression_is_one_operation() -> None:
    ops = parse_edit_argv(["--set", "a=1", "b=2"])
    assert [str(op) for op in ops] == ["--set a=1", "--set b=2"]


def test_operations_build_through_helpers(doc: dict[str, Any]) -> None:
    ops = [EditOperation.set("sku.capacity=2"), EditOperation.add("zones", '"4"'), EditOperation.remove("zones", 0)]
    assert apply_generic_update(doc, ops)["zones"] == ["2", "3", "4"]
    assert str(EditOperation.remove("zones", 0)) == "--remove zones 0"


# --- no mutation ----------------------------------------------------------------------------------------


def test_input_is_never_mutated(doc: dict[str, Any]) -> None:
    before = copy.deepcopy(doc)
    out = edit(doc, "--set", "sku.capacity=9", 'tags.x={"a": [1]}',
               "--add", f"{IP}.applicationGatewayBackendAddressPools", json.dumps({"id": APPGW_POOL}),
               "--remove", f"{IP}.loadBalancerBackendAddressPools", "0",
               "--remove", "virtualMachineProfile.extensionProfile.extensions", "0")
    assert doc == before
    out["tags"]["x"]["a"].append(2)
    assert doc == before
    with pytest.raises(UsageError):
        edit(doc, "--set", "sku.capacity=1", "--set", "virtualMachineProfile.foo.bar=1")
    assert doc == before


# --- REST PATCH bodies ---------------------------------------------------------------------------------


def test_patch_merges_objects(rest: dict[str, Any]) -> None:
    out = apply_patch_body(rest, {"sku": {"capacity": 7}, "properties": {"upgradePolicy": {"mode": "Rolling"}}})
    assert out["sku"] == {"name": "Standard_D2s_v5", "tier": "Standard", "capacity": 7}
    assert out["properties"]["upgradePolicy"] == {"mode": "Rolling"}
    assert out["properties"]["virtualMachineProfile"] == rest["properties"]["virtualMachineProfile"]


def test_patch_replaces_arrays_wholesale(rest: dict[str, Any]) -> None:
    nics = [{"name": "other-nic", "properties": {"primary": True, "ipConfigurations": []}}]
    body = {"properties": {"virtualMachineProfile": {"networkProfile": {"networkInterfaceConfigurations": nics}}}}
    out = apply_patch_body(rest, body)
    assert out["properties"]["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"] == nics
    out = apply_patch_body(rest, {"zones": ["1"]})
    assert out["zones"] == ["1"]


def test_patch_null_changes_nothing_by_default(rest: dict[str, Any]) -> None:
    body = {"properties": {"overprovision": None, "virtualMachineProfile": None}, "tags": {"team": None}}
    assert apply_patch_body(rest, body) == rest
    out = apply_patch_body(rest, body, null_removes=True)  # RFC 7396
    assert "overprovision" not in out["properties"] and "virtualMachineProfile" not in out["properties"]
    assert out["tags"] == {"env": "prod"}


def test_patch_null_inside_new_object_is_dropped(rest: dict[str, Any]) -> None:
    out = apply_patch_body(rest, {"properties": {"scaleInPolicy": {"rules": ["NewestVM"], "forceDeletion": None}}})
    assert out["properties"]["scaleInPolicy"] == {"rules": ["NewestVM"]}


def test_patch_null_removes_a_user_assigned_identity(rest: dict[str, Any]) -> None:
    id1 = "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ID1"
    id2 = id1.replace("ID1", "ID2")
    rest["identity"] = {"type": "SystemAssigned, UserAssigned", "principalId": "p", "tenantId": "t",
                        "userAssignedIdentities": {id1: {"principalId": "a", "clientId": "b"},
                                                   id2: {"principalId": "c", "clientId": "d"}}}
    # The managed-identities doc's body: null removes ID2, ID1 stays.
    out = apply_patch_body(rest, {"identity": {"type": "SystemAssigned, UserAssigned",
                                               "userAssignedIdentities": {id2: None}}})
    assert out["identity"]["userAssignedIdentities"] == {id1: {"principalId": "a", "clientId": "b"}}
    # Adding one merges into the map.
    id3 = id1.replace("ID1", "ID3")
    out = apply_patch_body(rest, {"identity": {"userAssignedIdentities": {id3: {}}}})
    assert set(out["identity"]["userAssignedIdentities"]) == {id1, id2, id3}
    # Switching to SystemAssigned drops every user-assigned identity; None drops all.
    out = apply_patch_body(rest, {"identity": {"type": "SystemAssigned"}})
    assert out["identity"] == {"type": "SystemAssigned", "principalId": "p", "tenantId": "t"}
    assert apply_patch_body(rest, {"identity": {"type": "None"}})["identity"] == {"type": "None"}


def test_patch_keys_match_case_insensitively(az: dict[str, Any]) -> None:
    body = {"properties": {"virtualMachineProfile": {"storageProfile": {"osDisk": {"diskSizeGB": 64}}}}}
    out = apply_patch_body(az, body)
    os_disk = out["properties"]["virtualMachineProfile"]["storageProfile"]["osDisk"]
    assert os_disk["diskSizeGB"] == 64 and "diskSizeGb" not in os_disk


def test_patch_extension_settings_keys_are_exact(rest: dict[str, Any]) -> None:
    exts = rest["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"]
    body = {"properties": {"virtualMachineProfile": {"extensionProfile": {"extensions": exts}}}}
    assert apply_patch_body(rest, body) == rest  # same list: no change


def test_patch_on_az_document_gives_rest_shape(rest: dict[str, Any], az: dict[str, Any]) -> None:
    body = {"sku": {"capacity": 6}, "properties": {"singlePlacementGroup": False,
                                                   "virtualMachineProfile": {"storageProfile": {
                                                       "imageReference": {"version": "22.04.202510010"}}}}}
    from_az = apply_patch_body(az, body)
    from_rest = apply_patch_body(rest, body)
    assert is_rest_shaped(from_az)
    assert canonical(from_az) == canonical(from_rest)
    ext = from_az["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"][1]
    assert ext["properties"]["type"] == "CustomScript"  # typePropertiesType folded back


def test_to_rest_shape_round_trips_az_output(rest: dict[str, Any], az: dict[str, Any]) -> None:
    assert canonical(to_rest_shape(az)) == canonical(rest)
    assert to_rest_shape(rest) == rest and to_rest_shape(rest) is not rest


@pytest.mark.parametrize("body", [[], "x", 3, None])
def test_patch_must_be_an_object(rest: dict[str, Any], body: Any) -> None:
    with pytest.raises(DocumentError) as info:
        apply_patch_body(rest, body)
    assert info.value.findings[0].rule == RULE_PATCH_BODY
    assert "a PATCH body must be a JSON object" in str(info.value)


def test_patch_rejects_keys_outside_the_update_model(rest: dict[str, Any]) -> None:
    with pytest.raises(DocumentError) as info:
        apply_patch_body(rest, {"location": "westus", "virtualMachineProfile": {}, "properties": []})
    messages = [f.message for f in info.value.findings]
    assert len(messages) == 3
    assert "'location' cannot be patched" in messages[0]
    assert "belongs under \"properties\"" in messages[1]
    assert "'properties' must be a JSON object, not a list" in messages[2]
    assert [f.pointer for f in info.value.findings] == ["/location", "/virtualMachineProfile", "/properties"]


def test_patch_does_not_mutate(rest: dict[str, Any]) -> None:
    before = copy.deepcopy(rest)
    body = {"tags": {"new": "x"}, "properties": {"upgradePolicy": {"mode": "Automatic"}}}
    body_before = copy.deepcopy(body)
    out = apply_patch_body(rest, body)
    out["tags"]["another"] = "y"
    out["properties"]["upgradePolicy"]["mode"] = "Rolling"
    assert rest == before and body == body_before


# --- the corpus's real PATCH bodies --------------------------------------------------------------------


def leaves(node: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """(path, value) of every non-object value (arrays count as values: they replace); an
    empty object merges to nothing and is no leaf."""
    if isinstance(node, dict):
        return [pair for key, value in node.items() for pair in leaves(value, path + (key,))]
    return [(path, node)]


def get(node: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        node = node[key]
    return node


def test_corpus_patch_bodies(corpus: Path, rest: dict[str, Any]) -> None:
    files = sorted((corpus / "rest-examples" / "2024-03-01").glob("VirtualMachineScaleSet_Update_*.json"))
    assert files
    for file in files:
        body = json.loads(file.read_text(encoding="utf-8"))["parameters"]["parameters"]
        before = copy.deepcopy(rest)
        out = apply_patch_body(rest, body)
        assert rest == before
        for path, value in leaves(body):
            if value is None or path[:2] == ("identity", "userAssignedIdentities"):
                continue  # (the generated body names a user identity with type SystemAssigned: dropped)
            assert get(out, path) == value, (file.name, path)
        # what the body does not name is kept
        assert out["location"] == rest["location"] and out["name"] == rest["name"]
        assert out["properties"]["orchestrationMode"] == "Uniform"
        if not body:
            assert out == rest
        else:  # arrays replaced wholesale
            nics = out["properties"]["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"]
            assert [n["name"] for n in nics] == ["aaaaaaaa"]
            # tags merge key by key; identity type without UserAssigned drops the user-assigned map
            assert out["tags"] == {**rest["tags"], **body["tags"]}
            assert out["identity"] == {"type": "SystemAssigned"}
            # and the result still goes through the pipeline
            assert canonical(out)["properties"]["virtualMachineProfile"]["storageProfile"]["osDisk"]["diskSizeGB"] == 6
