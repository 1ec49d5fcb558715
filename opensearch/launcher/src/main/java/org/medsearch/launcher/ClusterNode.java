package org.medsearch.launcher;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.index.mapper.MapperExtrasPlugin;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.script.mustache.MustachePlugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Runs one OpenSearch 2.19 node in this JVM, for medsearch's test and development clusters.
 *
 * <p>Usage: {@code java -jar opensearch-launcher.jar -Ekey=value ...}, the node's settings given
 * as with OpenSearch's own {@code bin/opensearch}; {@code path.home} and {@code node.name} are
 * required. scripts/opensearch-cluster computes the settings of every node of a cluster and starts
 * one JVM per node, so that a test can kill one node without the others.
 *
 * <p>OpenSearch's Bootstrap (security manager, bootstrap checks, keystore, native memory lock) is
 * not used: it is for production installs, and it loads modules from a distribution's modules/
 * folder, which a Maven build does not have. Instead the modules medsearch needs are handed to
 * {@link Node} as classpath plugins.
 */
public final class ClusterNode {

    /** The modules of a distribution that medsearch uses, loaded from the classpath. */
    static final List<Class<? extends Plugin>> PLUGINS = List.of(
        Netty4Plugin.class, // HTTP and transport (the node-to-node protocol) over Netty
        CommonAnalysisPlugin.class, // snowball, stop, synonym, shingle, edge_ngram, ...
        MapperExtrasPlugin.class, // search_as_you_type, rank_feature, scaled_float, token_count
        MustachePlugin.class // search templates, the phrase suggester's collate
    );

    /** A node that takes its plugins from the classpath: Node's constructor for it is protected. */
    static final class ClasspathPluginNode extends Node {
        ClasspathPluginNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
            // true: refuse private index settings in requests, as a production node does
            super(environment, plugins, true);
        }
    }

    private ClusterNode() {}

    /** Parses {@code -Ekey=value} arguments into settings; anything else is a usage error. */
    static Settings parseSettings(String[] args) {
        Settings.Builder builder = Settings.builder();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (!arg.startsWith("-E") || equals < 3) {
                throw new IllegalArgumentException("expected -Ekey=value, got: " + arg);
            }
            builder.put(arg.substring(2, equals), arg.substring(equals + 1));
        }
        Settings settings = builder.build();
        for (String required : List.of("path.home", "node.name")) {
            if (settings.get(required) == null) {
                throw new IllegalArgumentException("missing -E" + required + "=...");
            }
        }
        return settings;
    }

    public static void main(String[] args) throws Exception {
        Settings settings;
        try {
            settings = parseSettings(args);
        } catch (IllegalArgumentException e) {
            System.err.println("usage: java -jar opensearch-launcher.jar -Ekey=value ...: " + e.getMessage());
            System.exit(2);
            return;
        }
        Logger logger = LogManager.getLogger(ClusterNode.class);
        String nodeName = settings.get("node.name");
        Environment environment =
            InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> nodeName);
        Node node = new ClasspathPluginNode(environment, PLUGINS);

        // Bootstrap keeps a non-daemon thread alive until shutdown; without Bootstrap we do the same,
        // because OpenSearch's own threads are daemons and the JVM would exit right after start().
        CountDownLatch stopped = new CountDownLatch(1);
        Thread keepAlive = new Thread(() -> {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "medsearch-keep-alive[" + nodeName + "]");
        keepAlive.setDaemon(false);
        keepAlive.start();

        // SIGTERM (scripts/opensearch-cluster stop) closes the node cleanly: shards flushed,
        // the cluster told that the node leaves. SIGKILL skips this, as a crash would.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                if (!node.awaitClose(20, TimeUnit.SECONDS)) {
                    logger.warn("node [{}] did not close within 20 s", nodeName);
                }
            } catch (Exception e) {
                logger.warn("failed to close node [" + nodeName + "]", e);
            } finally {
                stopped.countDown();
                // log4j's own shutdown hook is off (log4j.shutdownHookEnabled=false) so that the
                // lines above are written; stop it last.
                LogManager.shutdown();
            }
        }, "medsearch-shutdown[" + nodeName + "]"));

        try {
            node.start();
        } catch (Exception e) {
            logger.error("node [" + nodeName + "] failed to start", e);
            System.err.println("node " + nodeName + " failed to start: " + e);
            e.printStackTrace();
            System.exit(1);
        }
        logger.info("medsearch cluster node [{}] started", nodeName);
    }
}
