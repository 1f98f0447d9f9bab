/**
 * Test fixtures for the modules whose tests build on the sandbox (a JUnit extension with a real
 * etcd cluster, a sampler of agents' roles); they may use the sandbox and JUnit, never test code of
 * another module.
 */
package dev.halo.testing;
