package dev.halo.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The etcd roles of docs/etcd-security.md, created by that page's own etcdctl commands on a real
 * etcd with authentication on: a group's agent user can do everything its election needs and
 * nothing to another group; the operator's user can read and release every group's keys and write
 * nothing outside {@code /halo/}.
 */
class EtcdRolesIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static final String AGENT_ROLE = "An agent role per group";
  private static final String OPERATOR_ROLE = "The operator's role";
  private static final String WEB = ElectionKeys.electionName("shop", "web");
  // A group whose name extends web's: only the grant's trailing slash keeps them apart.
  private static final String WEB_2 = ElectionKeys.electionName("shop", "web-2");
  private static final long CALL_SECONDS = 5;

  private static Client webAgent;
  private static Client web2Agent;
  private static Client operator;

  @BeforeAll
  static void createTheRolesAsTheDocumentationDoes() {
    etcd.cluster().enableAuth("root-password");
    EtcdSecurityDoc doc = EtcdSecurityDoc.read();
    doc.run(etcd.cluster(), AGENT_ROLE, group("web"), "web-password");
    doc.run(etcd.cluster(), AGENT_ROLE, group("web-2"), "web-2-password");
    doc.run(etcd.cluster(), OPERATOR_ROLE, Map.of(), "operator-password");
    webAgent = client("halo-agent-shop-web", "web-password");
    web2Agent = client("halo-agent-shop-web-2", "web-2-password");
    operator = client("halo-operator", "operator-password");
  }

  @AfterAll
  static void closeClients() {
    List.of(webAgent, web2Agent, operator).forEach(Client::close);
  }

  @Test
  void theAgentRoleGrantsExactlyItsGroupsPrefix() {
    assertThat(EtcdSecurityDoc.read().commands(AGENT_ROLE))
        .contains(
            "etcdctl role grant-permission halo-agent-<ns>-<group> readwrite"
                + " /halo/<ns>/<group>/ --prefix=true");
    assertThat(etcd.cluster().etcdctl("role", "get", "halo-agent-shop-web"))
        .contains("[" + ElectionKeys.groupPrefix(WEB) + ", ")
        .doesNotContain("/halo/shop/web-2");
  }

  @Test
  void anAgentDoesEverythingItsElectionNeedsWithItsGroupsGrant() throws Exception {
    long lease = call(webAgent.getLeaseClient().grant(10)).getID();
    long revision =
        call(webAgent.getKVClient().get(bytes(ElectionKeys.prefix(WEB)), leaderRead()))
            .getHeader()
            .getRevision();
    Events election = watch(webAgent, ElectionKeys.prefix(WEB), revision + 1);
    Events stepDowns = watch(webAgent, ElectionKeys.stepDownKey(WEB, lease), revision + 1);

    assertThat(campaign(webAgent, WEB, lease, "web-0")).isTrue();
    await().until(() -> election.puts().contains(ElectionKeys.candidateKey(WEB, lease)));
    assertThat(call(webAgent.getLeaseClient().keepAliveOnce(lease)).getTTL()).isPositive();
    // The operator asks this master to step down: the request is attached to the agent's lease.
    requestStepDown(WEB, lease);
    await().until(() -> stepDowns.puts().contains(ElectionKeys.stepDownKey(WEB, lease)));
    GetOption countOnly = GetOption.builder().withCountOnly(true).build();
    assertThat(
            call(kv(webAgent).get(bytes(ElectionKeys.stepDownKey(WEB, lease)), countOnly))
                .getCount())
        .isEqualTo(1);

    call(kv(webAgent).delete(bytes(ElectionKeys.memberKey(WEB, lease))));
    // The candidate and the operator's request are still attached; the revoke needs write on both.
    call(webAgent.getLeaseClient().revoke(lease));

    assertThat(keysUnder(webAgent, ElectionKeys.groupPrefix(WEB))).isEmpty();
    assertThat(election.errors()).isEmpty();
    election.close();
    stepDowns.close();
  }

  @Test
  void anAgentCanNeitherSeeNorTouchAnotherGroup() throws Exception {
    long other = call(web2Agent.getLeaseClient().grant(10)).getID();
    assertThat(campaign(web2Agent, WEB_2, other, "web-2-0")).isTrue();
    long own = call(webAgent.getLeaseClient().grant(10)).getID();
    String theirs = ElectionKeys.candidateKey(WEB_2, other);

    assertDenied(kv(webAgent).get(bytes(theirs)));
    assertDenied(kv(webAgent).get(bytes(ElectionKeys.groupPrefix(WEB_2)), prefix()));
    assertDenied(kv(webAgent).get(bytes("/halo/"), prefix()));
    assertDenied(kv(webAgent).put(bytes(theirs), bytes("web-0")));
    assertDenied(kv(webAgent).put(bytes(ElectionKeys.candidateKey(WEB_2, own)), bytes("web-0")));
    assertDenied(kv(webAgent).delete(bytes(theirs)));
    assertDenied(campaignTxn(webAgent, WEB_2, own, "web-0"));
    // Its own prefix, but another group's lease: that lease's keys are not this user's to write.
    assertDenied(
        kv(webAgent).put(bytes(ElectionKeys.candidateKey(WEB, other)), bytes("web-0"), on(other)));
    assertDenied(webAgent.getLeaseClient().revoke(other));
    Events watch = watch(webAgent, ElectionKeys.prefix(WEB_2), 0);
    await().until(() -> watch.errors().stream().anyMatch(EtcdRolesIT::permissionDenied));
    watch.close();

    assertThat(keysUnder(web2Agent, ElectionKeys.groupPrefix(WEB_2)))
        .containsExactlyInAnyOrder(theirs, ElectionKeys.memberKey(WEB_2, other));
    call(web2Agent.getLeaseClient().revoke(other));
    call(webAgent.getLeaseClient().revoke(own));
  }

  @Test
  void theOperatorReadsAndReleasesEveryGroupButWritesNothingOutsideHalo() throws Exception {
    long web = call(webAgent.getLeaseClient().grant(10)).getID();
    long web2 = call(web2Agent.getLeaseClient().grant(10)).getID();
    assertThat(campaign(webAgent, WEB, web, "web-0")).isTrue();
    assertThat(campaign(web2Agent, WEB_2, web2, "web-2-0")).isTrue();

    var all = call(kv(operator).get(bytes("/halo/"), prefix()));
    assertThat(all.getKvs())
        .extracting(kv -> string(kv.getKey()))
        .contains(ElectionKeys.candidateKey(WEB, web), ElectionKeys.memberKey(WEB_2, web2));
    Events watch = watch(operator, "/halo/", all.getHeader().getRevision() + 1);
    requestStepDown(WEB, web);
    call(operator.getLeaseClient().revoke(web2));
    await().until(() -> watch.puts().contains(ElectionKeys.stepDownKey(WEB, web)));
    await().until(() -> watch.deletes().contains(ElectionKeys.candidateKey(WEB_2, web2)));

    var deleted =
        call(
            kv(operator)
                .delete(
                    bytes(ElectionKeys.groupPrefix(WEB)),
                    DeleteOption.builder().isPrefix(true).build()));
    assertThat(deleted.getDeleted()).isEqualTo(3); // candidate, member, step-down request
    assertDenied(kv(operator).put(bytes("/other/key"), bytes("x")));
    assertDenied(kv(operator).put(bytes("/halo-stepdown/halo/shop/web/election/1"), bytes("x")));
    assertDenied(kv(operator).get(bytes("/"), prefix()));
    assertThat(watch.errors()).isEmpty();
    watch.close();
    call(webAgent.getLeaseClient().revoke(web));
  }

  /** The operator's step-down request: a put of the request, attached to the master's lease. */
  private static void requestStepDown(String election, long lease) throws Exception {
    call(
        kv(operator)
            .put(bytes(ElectionKeys.stepDownKey(election, lease)), bytes("switchover"), on(lease)));
  }

  /** The agent's campaign: candidate and member key with its lease, if the candidate is absent. */
  private static boolean campaign(Client agent, String election, long lease, String pod)
      throws Exception {
    return call(campaignTxn(agent, election, lease, pod)).isSucceeded();
  }

  private static CompletableFuture<io.etcd.jetcd.kv.TxnResponse> campaignTxn(
      Client agent, String election, long lease, String pod) {
    ByteSequence candidate = bytes(ElectionKeys.candidateKey(election, lease));
    return kv(agent)
        .txn()
        .If(new Cmp(candidate, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
        .Then(
            Op.put(candidate, bytes(pod), on(lease)),
            Op.put(bytes(ElectionKeys.memberKey(election, lease)), bytes("{}"), on(lease)))
        .Else(Op.get(candidate, GetOption.DEFAULT))
        .commit();
  }

  private static List<String> keysUnder(Client client, String prefix) throws Exception {
    return call(kv(client).get(bytes(prefix), prefix())).getKvs().stream()
        .map(kv -> string(kv.getKey()))
        .toList();
  }

  private static Events watch(Client client, String prefix, long fromRevision) {
    Events events = new Events();
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(fromRevision).build();
    events.watcher = client.getWatchClient().watch(bytes(prefix), option, events);
    return events;
  }

  /** What a watch delivered: keys put, keys deleted, failures. */
  private static final class Events implements Watch.Listener, AutoCloseable {
    private final List<String> puts = new CopyOnWriteArrayList<>();
    private final List<String> deletes = new CopyOnWriteArrayList<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private Watch.Watcher watcher;

    @Override
    public void onNext(WatchResponse response) {
      for (WatchEvent e : response.getEvents()) {
        String key = string(e.getKeyValue().getKey());
        (e.getEventType() == WatchEvent.EventType.DELETE ? deletes : puts).add(key);
      }
    }

    @Override
    public void onError(Throwable error) {
      errors.add(error);
    }

    @Override
    public void onCompleted() {}

    List<String> puts() {
      return puts;
    }

    List<String> deletes() {
      return deletes;
    }

    List<Throwable> errors() {
      return errors;
    }

    @Override
    public void close() {
      watcher.close();
    }
  }

  private static void assertDenied(CompletableFuture<?> call) {
    assertThat(call)
        .failsWithin(Duration.ofSeconds(CALL_SECONDS))
        .withThrowableThat()
        .matches(EtcdRolesIT::permissionDenied, "etcd's PERMISSION_DENIED");
  }

  /**
   * etcd's "permission denied": a call fails with gRPC's PERMISSION_DENIED, a watch is cancelled
   * with etcd's words as the reason (jetcd then reports CANCELLED and tries again).
   */
  private static boolean permissionDenied(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (String.valueOf(t.getMessage()).contains("etcdserver: permission denied")) {
        return true;
      }
    }
    return false;
  }

  private static Map<String, String> group(String name) {
    return Map.of("<ns>", "shop", "<group>", name);
  }

  private static Client client(String user, String password) {
    return Client.builder()
        .endpoints(etcd.cluster().clientUrls().toArray(String[]::new))
        .user(bytes(user))
        .password(bytes(password))
        .build();
  }

  private static <T> T call(CompletableFuture<T> call) throws Exception {
    return call.get(CALL_SECONDS, TimeUnit.SECONDS);
  }

  private static KV kv(Client client) {
    return client.getKVClient();
  }

  private static GetOption leaderRead() {
    return GetOption.builder()
        .isPrefix(true)
        .withSortField(GetOption.SortTarget.CREATE)
        .withSortOrder(GetOption.SortOrder.ASCEND)
        .withLimit(1)
        .build();
  }

  private static GetOption prefix() {
    return GetOption.builder().isPrefix(true).build();
  }

  private static PutOption on(long lease) {
    return PutOption.builder().withLeaseId(lease).build();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static String string(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }
}
