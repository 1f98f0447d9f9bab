/**
 * The elector agent that runs beside the workload in every pod: lease keepalive, election, health
 * probe, role file and HTTP API; it may use halo-common and jetcd, never fabric8 or operator code.
 */
package dev.halo.agent;
