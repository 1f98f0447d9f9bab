/**
 * The contract the agent and the operator share (label and annotation keys, resource names, the
 * etcd key layout, agent variables and defaults) and small helpers both use; plain JDK only, it may
 * use no other Halo module or library.
 */
package dev.halo.common;
