/**
 * Prints the JVM options the operator gives every agent container by default (AgentDefaults), one
 * a line, so that scripts/image-test.sh starts the agent in its image as a pod does. Run with the
 * agent jar on the class path: {@code java -cp halo-agent.jar scripts/AgentJvmOptions.java}.
 */
class AgentJvmOptions {
  public static void main(String[] args) {
    dev.halo.common.AgentDefaults.JVM_OPTIONS.forEach(System.out::println);
  }
}
