"""Output of real pypsrp deserialisation turned into plain data, and error records into typed errors."""

from __future__ import annotations

from pypsrp.complex_objects import ErrorRecord, GenericComplexObject
from pypsrp.serializer import Serializer

from ansible_collections.mailhygiene.exchange.plugins.module_utils import errors
from ansible_collections.mailhygiene.exchange.plugins.module_utils.session import object_properties

REMOTE_DOMAIN = (
    '<Obj RefId="0"><TN RefId="0"><T>Microsoft.Exchange.Data.Directory.Management.RemoteDomain</T><T>System.Object</T>'
    '</TN><ToString>Default</ToString><Props><S N="DomainName">*</S><B N="NDREnabled">false</B><Nil N="TNEFEnabled" />'
    '<S N="LineWrapSize">Unlimited</S><Obj N="ObjectClass" RefId="1"><TN RefId="1"><T>Microsoft.Exchange.Data.'
    'MultiValuedProperty`1[[System.String]]</T><T>System.Object</T></TN><LST><S>top</S><S>msExchDomainContentConfig'
    '</S></LST></Obj><I32 N="MessageCountThreshold">2147483647</I32></Props></Obj>'
)


def test_exchange_objects_become_plain_data():
    obj = Serializer().deserialize(REMOTE_DOMAIN)
    assert isinstance(obj, GenericComplexObject)
    assert object_properties(obj) == {"DomainName": "*", "NDREnabled": False, "TNEFEnabled": None,
                                      "LineWrapSize": "Unlimited", "ObjectClass": ["top", "msExchDomainContentConfig"],
                                      "MessageCountThreshold": 2147483647, "_ToString": "Default"}


def record(exception_type: str, reason: str, fq_error: str, message: str) -> ErrorRecord:
    exception = GenericComplexObject()
    exception.types = [exception_type, "System.Exception"]
    return ErrorRecord(exception=exception, reason=reason, fq_error=fq_error, message=message, category=0,
                       activity="Set-RemoteDomain")


def test_errors_are_typed_by_exception_type_not_text():
    not_found = errors.error_from_record(record(
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException", "ManagementObjectNotFoundException",
        "[Server=EX01] [FailureCategory=Cmdlet-ManagementObjectNotFoundException] 1,X", "irrelevant wording"))
    assert isinstance(not_found, errors.ObjectNotFound) and not_found.command == "Set-RemoteDomain"
    missing = errors.error_from_record(record("System.Management.Automation.CommandNotFoundException",
                                              "CommandNotFoundException", "CommandNotFoundException", "x"))
    assert isinstance(missing, errors.CommandNotAvailable) and "RBAC" in str(missing)
    other = errors.error_from_record(record("System.Something", "Something", "x", "y"))
    assert other.__class__ is errors.ExchangeError


def test_exception_type_falls_back_to_the_failure_category():
    bare = ErrorRecord(reason="", fq_error="[FailureCategory=Cmdlet-DuplicateRemoteDomainException] 1,X",
                       message="m", category=0)
    assert errors.exception_type_of(bare) == "DuplicateRemoteDomainException"
    assert isinstance(errors.error_from_record(bare), errors.AlreadyExists)
