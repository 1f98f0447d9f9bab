/**
 * Benchmarks (failover, its physical floor, peer, agent, operator footprint, scale) with their
 * rigs, reports and charts; it may use every other Halo module, and nothing ships it in an image.
 */
package dev.halo.bench;
