/**
 * The {@code halo} command that puts the operator, the agent and the sandbox into one executable;
 * it may use any Halo module, and no code imports it.
 */
package dev.halo.cli;
