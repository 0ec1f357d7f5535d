package io.accessplan.features.plan;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.Family;
import io.accessplan.features.Fixtures;
import io.accessplan.features.MixedPrecision;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The memory and traffic terms of the two mixed-precision layouts against formulas: model state per
 * parameter (ZeRO, Rajbhandari et al. 2020, section 3.1: {@code 2 + 2 + 12} bytes for mixed-precision Adam
 * with an fp32 master copy; autocast: fp32 weights and gradients and the moments, {@code 4 + 4 + 8}), the
 * 16-bit weight copies autocast holds (2 bytes per element of every GEMM weight, counted here from the
 * architecture), and the per-layer activations of Korthikanti et al. 2022 (Table 2) redone for autocast's
 * fp32 norms, softmax and residual stream.
 */
class MixedPrecisionMemoryTest {

    private static Workload workload(ModelSpec m, int seq, int batch, Precision p, OptimizerKind o, AttentionKind a,
                                     MixedPrecision mp) {
        return new Workload(m, new TrainingConfig(seq, batch, p, o, a, mp), Fixtures.device("h100-sxm-80gb"));
    }

    @ParameterizedTest
    @CsvSource({"adam,fp16,master,2,2,12", "adam,bf16,master,2,2,12", "adam,fp16,autocast,4,4,8",
            "adam,bf16,autocast,4,4,8", "sgd,bf16,master,2,2,8", "sgd,fp16,autocast,4,4,4", "adam,fp32,master,4,4,8"})
    void modelStatePerParameterFollowsZeroForEachLayout(String opt, String prec, String mp, int weights, int grads,
                                                         int optimizer) {
        Workload w = workload(Fixtures.gpt2Small(), 1024, 2, Precision.parse(prec), OptimizerKind.parse(opt),
                AttentionKind.FUSED, MixedPrecision.parse(mp));
        ModelState s = ModelState.of(w);
        long p = s.parameters();
        assertEquals(weights * p, s.weightBytes());
        assertEquals(grads * p, s.gradientBytes());
        assertEquals(optimizer * p, s.optimizerDeviceBytes());
        Plan plan = Planner.plan(w, Strategy.parse("keep"));
        assertEquals((weights + grads + optimizer) * p, plan.weightBytes() + plan.gradientBytes() + plan.optimizerBytes());
    }

    /** Elements of every weight a GEMM multiplies by, from the architecture (tied heads count once, as the head's GEMM). */
    private static long gemmWeightElements(ModelSpec m) {
        long h = m.hidden();
        long layer = m.family() == Family.LLAMA
                ? h * (h + 2L * m.kvDim()) + h * h + 2L * h * m.ffnHidden() + (long) m.ffnHidden() * h
                : 3 * h * h + h * h + 2L * h * m.ffnHidden();
        return m.layers() * layer + (long) m.vocab() * h;
    }

    /** Bytes of the live 16-bit weight copies just before the first backward operation. */
    private static long liveCopiesAtBackward(Schedule s) {
        Map<Integer, Long> live = new HashMap<>();
        for (Op op : s.ops()) {
            if (op.phase() == Phase.BACKWARD) {
                break;
            }
            if (op.kind().isMemoryEvent() && s.tensors().get(op.tensor()).name().endsWith(".weight16")) {
                if (op.kind() == OpKind.ALLOC) {
                    live.put(op.tensor(), s.tensors().get(op.tensor()).bytes());
                } else {
                    live.remove(op.tensor());
                }
            }
        }
        return live.values().stream().mapToLong(Long::longValue).sum();
    }

    @ParameterizedTest
    @CsvSource({"gpt,naive", "llama,fused", "bert,naive"})
    void autocastHoldsEveryWeightsSixteenBitCopyWhenTheForwardEndsAndOnlyTheSavedOnesAfter(String family,
                                                                                          String attn) {
        ModelSpec m = ModelSpec.of(Family.parse(family), 4, 256, 8, family.equals("llama") ? 2 : null, null, 1000);
        Workload w = workload(m, 128, 4, Precision.BF16, OptimizerKind.ADAM, AttentionKind.parse(attn),
                MixedPrecision.AUTOCAST);
        long copies = 2 * gemmWeightElements(m);
        assertEquals(copies, liveCopiesAtBackward(Planner.schedule(w, Strategy.parse("keep"))));
        if (w.training().attention() == AttentionKind.NAIVE) {   // selective recomputes no weight GEMM
            assertEquals(copies, liveCopiesAtBackward(Planner.schedule(w, Strategy.parse("selective"))));
        }
        // recomputed layers: autograd saved nothing, the cache was cleared; the head's copy is saved
        assertEquals(2L * m.vocab() * m.hidden(), liveCopiesAtBackward(Planner.schedule(w, Strategy.parse("full"))));
        // the master layout has no copies: its weights are already 16-bit
        Workload master = workload(m, 128, 4, Precision.BF16, OptimizerKind.ADAM, AttentionKind.parse(attn),
                MixedPrecision.MASTER);
        assertEquals(0, liveCopiesAtBackward(Planner.schedule(master, Strategy.parse("keep"))));
    }

    @ParameterizedTest
    @CsvSource({"keep,1,0", "keep+mb4,4,0", "full,1,1", "full+mb2,2,1"})
    void autocastCastsEveryWeightOncePerForwardAndCastsItsGradientBackOncePerBackward(String strategy, int k,
                                                                                     int recomputes) {
        ModelSpec m = ModelSpec.of(Family.GPT, 3, 256, 4, null, null, 1000);
        Workload w = workload(m, 128, 8, Precision.FP16, OptimizerKind.ADAM, AttentionKind.NAIVE, MixedPrecision.AUTOCAST);
        Schedule s = Planner.schedule(w, Strategy.parse(strategy));
        long read = 0;
        long written = 0;
        long backRead = 0;
        long backWritten = 0;
        for (Op op : s.ops()) {
            if (op.template() == OpTemplate.WEIGHT_CAST) {
                if (op.pass() == OpPass.FORWARD) {
                    read += op.bytesRead();
                    written += op.bytesWritten();
                } else {
                    backRead += op.bytesRead();
                    backWritten += op.bytesWritten();
                }
            }
        }
        long all = gemmWeightElements(m);
        long layers = all - (long) m.vocab() * m.hidden();   // a recomputation casts the layers' weights again
        assertEquals(4 * (all + recomputes * layers), read);      // fp32 weight in
        assertEquals(2 * (all + recomputes * layers), written);   // 16-bit copy out
        assertEquals(6 * all, backRead);       // 16-bit gradient and the fp32 gradient it is added to
        assertEquals(4 * all, backWritten);
        assertEquals(k, s.repeats());           // the schedule body is one micro-batch, run k times
    }

    @ParameterizedTest
    @CsvSource({"1024,8,768,12", "512,4,1024,16", "2048,1,2560,20"})
    void autocastLayerActivationsAreKorthikantisWithFp32NormInputsAndSoftmax(int s, int b, int h, int a) {
        // 16-bit: sbh(34 + 5as/h). Autocast stores the two norms' inputs in fp32 (+4sbh), the softmax
        // output in fp32 (+2as^2b), and the PV product's input as the 16-bit cast of the fp32 dropout
        // output (the same 2as^2b): sbh(38 + 7as/h); selective drops the three score terms; full keeps
        // the fp32 layer input, 4sbh.
        Workload w = workload(ModelSpec.of(Family.GPT, 4, h, a), s, b, Precision.FP16, OptimizerKind.ADAM,
                AttentionKind.NAIVE, MixedPrecision.AUTOCAST);
        double sbh = (double) s * b * h;
        double keep = sbh * (38 + 7.0 * a * s / h);
        assertEquals(keep, Planner.plan(w, Strategy.parse("keep")).activationBytesPerLayer(), keep * 0.01);
        assertEquals(38 * sbh, Planner.plan(w, Strategy.parse("selective")).activationBytesPerLayer(), 38 * sbh * 0.01);
        assertEquals(4 * sbh, Planner.plan(w, Strategy.parse("full")).activationBytesPerLayer(), 4 * sbh * 0.01);
    }

    @Test
    void fp16LossScalingMovesTheGradientsOnceMoreAndBf16DoesNot() {
        ModelSpec m = Fixtures.gpt2Small();
        for (MixedPrecision mp : MixedPrecision.values()) {
            ModelState fp16 = ModelState.of(workload(m, 1024, 2, Precision.FP16, OptimizerKind.ADAM, AttentionKind.FUSED, mp));
            ModelState bf16 = ModelState.of(workload(m, 1024, 2, Precision.BF16, OptimizerKind.ADAM, AttentionKind.FUSED, mp));
            long p = fp16.parameters();
            assertEquals(0, bf16.lossScaleBytes());
            // autocast: GradScaler.unscale_ reads and writes the fp32 gradients; master: the overflow check reads the 16-bit ones
            assertEquals(mp == MixedPrecision.AUTOCAST ? 8 * p : 2 * p, fp16.lossScaleBytes());
            assertEquals(fp16.lossScaleBytes(), fp16.optimizerReadBytes() + fp16.optimizerWriteBytes()
                    - bf16.optimizerReadBytes() - bf16.optimizerWriteBytes());
        }
        // Adam's update: gradients, moments (and master) read; moments (and master) and weights written
        ModelState master = ModelState.of(workload(m, 1024, 2, Precision.BF16, OptimizerKind.ADAM, AttentionKind.FUSED,
                MixedPrecision.MASTER));
        ModelState autocast = ModelState.of(workload(m, 1024, 2, Precision.BF16, OptimizerKind.ADAM, AttentionKind.FUSED,
                MixedPrecision.AUTOCAST));
        long p = master.parameters();
        assertEquals((2 + 12) * p, master.optimizerReadBytes());
        assertEquals((12 + 2) * p, master.optimizerWriteBytes());
        assertEquals((4 + 8 + 4) * p, autocast.optimizerReadBytes());
        assertEquals((8 + 4) * p, autocast.optimizerWriteBytes());
    }

    @Test
    void autocastWithFp32IsRefusedNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainingConfig(128, 2, Precision.FP32, OptimizerKind.ADAM, AttentionKind.FUSED,
                        MixedPrecision.AUTOCAST));
        assertEquals("Invalid mixed_precision: autocast (precision fp32 is not mixed precision; use fp16 or bf16)",
                e.getMessage());
        assertTrue(MixedPrecision.parse("Autocast") == MixedPrecision.AUTOCAST);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> MixedPrecision.parse("o2"));
        assertEquals("Unknown mixed_precision: o2 (expected one of master, autocast)", bad.getMessage());
    }

    @Test
    void theDefaultLayoutKeepsWorkloadIdsAndAutocastGetsItsOwn() {
        Workload master = Fixtures.workload(Fixtures.gpt2Small(), 1024, 2, Precision.BF16, AttentionKind.FUSED);
        assertEquals(MixedPrecision.MASTER, master.training().mixedPrecision());
        assertEquals("gpt|12|768|12|12|3072|50257|1024|2|bf16|adam|fused|h100-sxm-80gb", master.canonical());
        Workload autocast = new Workload(master.model(),
                master.training().withMixedPrecision(MixedPrecision.AUTOCAST), master.device());
        assertEquals(master.canonical() + "|autocast", autocast.canonical());
        assertTrue(!master.id().equals(autocast.id()));
    }
}
