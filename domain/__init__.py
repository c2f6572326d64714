"""Fundament's pure domain: USM patterns as data, aggregates, events, rules and errors."""
