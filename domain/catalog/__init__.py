"""The service catalog."""

from domain.catalog.service import Service, ServiceError, ServiceSpecification, ServiceStatus

__all__ = ["Service", "ServiceError", "ServiceSpecification", "ServiceStatus"]
