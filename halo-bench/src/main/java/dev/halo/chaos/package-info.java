/**
 * The seeded chaos campaign: fault plan, fault injection on the sandbox, the checker that judges
 * the invariants and the report; it may use the sandbox, the operator, the agent and
 * dev.halo.bench.
 */
package dev.halo.chaos;
