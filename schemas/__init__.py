"""Schemas shipped as data: VMSS schemas per apiVersion, the rule schema and the plan schema."""
