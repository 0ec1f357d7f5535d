package io.accessplan.collector;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.DeviceProfile;
import io.accessplan.features.Family;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Named sweeps over workloads. An architecture is sampled log-uniformly in parameter count with a
 * family-typical aspect ratio (Kaplan et al. 2020 find loss nearly flat in depth/width over a
 * wide band, so real models spread over it), rejected when it is a trivial change of one already
 * drawn (same family, depth and width within 10%); each architecture is then trained in a few
 * configurations on a few devices. Everything derives from the seed.
 *
 * @param name           preset name
 * @param architectures  architectures drawn
 * @param configsPerArch (training config, device) pairs per architecture
 * @param minParams      smallest model
 * @param maxParams      largest model
 */
public record Preset(String name, int architectures, int configsPerArch, double minParams, double maxParams) {
    /** Finishes in well under a minute on 2 cores; the demo trains on it. */
    public static final Preset SMALL = new Preset("small", 90, 3, 1e7, 2e10);
    /** The shipped dataset: all families from ~10M to ~70B parameters. */
    public static final Preset STANDARD = new Preset("standard", 420, 4, 1e7, 7e10);

    private static final int[] SEQ = {128, 256, 512, 1024, 2048, 4096, 8192};
    private static final int[] BATCH = {1, 2, 4, 8, 16, 32, 64};
    /** Upper bound on tokens per optimizer step on one GPU, to keep configurations realistic. */
    private static final long MAX_TOKENS = 1L << 17;

    /** The preset of a name, or an error listing the names. */
    public static Preset byName(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "small" -> SMALL;
            case "standard" -> STANDARD;
            default -> throw new IllegalArgumentException("Unknown preset: " + name + " (expected small or standard)");
        };
    }

    /** The workloads of this preset over some devices, deterministic in the seed. */
    public List<Workload> workloads(List<DeviceProfile> devices, long seed) {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("Invalid devices: none given");
        }
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5eed_acce55L);
        List<ModelSpec> archs = new ArrayList<>();
        Family[] families = Family.values();
        int attempts = 0;
        while (archs.size() < architectures && attempts++ < architectures * 50) {
            Family f = families[archs.size() % families.length];
            ModelSpec m = sample(f, rnd);
            if (m != null && archs.stream().noneMatch(o -> trivialChange(o, m))) {
                archs.add(m);
            }
        }
        List<Workload> out = new ArrayList<>();
        for (ModelSpec m : archs) {
            int made = 0;
            for (int tries = 0; made < configsPerArch && tries < configsPerArch * 20; tries++) {
                Workload w = config(m, devices.get(rnd.nextInt(devices.size())), rnd);
                if (w != null && plausible(w, tries)) {
                    out.add(w);
                    made++;
                }
            }
        }
        return out;
    }

    private ModelSpec sample(Family f, SplittableRandom rnd) {
        double logP = Math.log(minParams) + rnd.nextDouble() * (Math.log(maxParams) - Math.log(minParams));
        double params = Math.exp(logP);
        // aspect ratio hidden/layers from ~32 to ~200 (GPT-2 small 64, GPT-3 175B 128, Llama-2-7B 128)
        double aspect = Math.exp(Math.log(32) + rnd.nextDouble() * (Math.log(200) - Math.log(32)));
        // per layer ~12 h^2 parameters (transformers), h^2 (mlp): P = c L h^2 with L = h / aspect
        double c = f == Family.MLP ? 1 : 12;
        double h = Math.cbrt(params * aspect / c);
        int unit = h < 1024 ? 64 : 128;
        int hidden = (int) Math.max(unit * 2, Math.round(h / unit) * unit);
        int layers = (int) Math.max(2, Math.round(params / (c * (double) hidden * hidden)));
        if (layers > 128) {
            return null;
        }
        if (f == Family.MLP) {
            return ModelSpec.of(f, layers, hidden, 1);
        }
        int headDim = hidden >= 2048 ? 128 : 64;
        int heads = Math.max(1, hidden / headDim);
        Integer kv = null;
        if (f == Family.LLAMA && heads >= 8 && rnd.nextBoolean()) {
            kv = heads % 8 == 0 ? 8 : null;   // grouped-query attention as in Llama-2-70B (8 KV heads)
        }
        return ModelSpec.of(f, layers, hidden, heads, kv, null, null);
    }

    private static boolean trivialChange(ModelSpec a, ModelSpec b) {
        return a.family() == b.family() && Math.abs(Math.log((double) a.layers() / b.layers())) < 0.1
                && Math.abs(Math.log((double) a.hidden() / b.hidden())) < 0.1;
    }

    private static Workload config(ModelSpec m, DeviceProfile d, SplittableRandom rnd) {
        int seq = m.family() == Family.BERT ? SEQ[rnd.nextInt(5)] : SEQ[rnd.nextInt(SEQ.length)];
        int batch = BATCH[rnd.nextInt(BATCH.length)];
        while ((long) seq * batch > MAX_TOKENS && batch > 1) {
            batch /= 2;
        }
        Precision[] ps = Precision.values();
        Precision p = ps[rnd.nextInt(ps.length)];
        if (!d.supports(p)) {
            p = Precision.FP16;
        }
        OptimizerKind o = rnd.nextInt(5) == 0 ? OptimizerKind.SGD : OptimizerKind.ADAM;
        AttentionKind a = rnd.nextBoolean() ? AttentionKind.FUSED : AttentionKind.NAIVE;
        return new Workload(m, new TrainingConfig(seq, batch, p, o, a), d);
    }

    /**
     * Keeps mostly workloads where some strategy fits (a workload nothing fits teaches little),
     * judged by the planner's cheapest-memory strategy; lets a few through to teach "does not fit".
     */
    private static boolean plausible(Workload w, int tries) {
        Strategy leanest = new Strategy(io.accessplan.features.ActivationPolicy.FULL,
                w.training().batch() >= 8 ? 8 : Integer.highestOneBit(w.training().batch()), true);
        if (!leanest.validFor(w)) {
            return true;
        }
        double frac = Planner.plan(w, leanest).memoryFraction();
        return frac <= 0.9 || (tries > 10 && frac < 3);
    }
}
