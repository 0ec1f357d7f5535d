package io.accessplan.collector.sim;

import io.accessplan.features.AttentionKind;
import io.accessplan.features.Csv;
import io.accessplan.features.DeviceCatalog;
import io.accessplan.features.Family;
import io.accessplan.features.MixedPrecision;
import io.accessplan.features.ModelSpec;
import io.accessplan.features.OptimizerKind;
import io.accessplan.features.Precision;
import io.accessplan.features.Strategy;
import io.accessplan.features.TrainingConfig;
import io.accessplan.features.Workload;
import io.accessplan.features.plan.Planner;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The simulator's mixed-precision speed-up over fp32 against published end-to-end measurements of the
 * same model on the same GPU: the BERT-large rows of {@code e2e_training_measured.csv} (NVIDIA
 * DeepLearningExamples at commit 729963dd, PyTorch and TensorFlow READMEs, one GPU; copied verbatim from
 * {@code ../shared/calibration/} into this test's resources, sources in its {@code SOURCES.md}).
 *
 * <p>Each pair is simulated as the README ran it: BERT-large (24 layers, hidden 1024, 16 heads, vocab
 * 30522), each precision at its own per-GPU batch (the measured micro-batch; gradient accumulation only
 * repeats it), naive attention (both predate FlashAttention), {@code keep}, Adam for the READMEs' LAMB (the
 * same two fp32 moments per parameter), and mixed precision as {@link MixedPrecision#AUTOCAST}: PyTorch's
 * native AMP and TensorFlow's AMP graph rewrite both keep fp32 variables and cast per op. The compared
 * figure is the ratio of fp32 to mixed time per sample, which is the measured throughput ratio.
 * Approximations shared by both precisions: the model's head computes vocabulary logits on every token
 * (pre-training scores only the masked ones, SQuAD has a 2-way span head), and the fused kernels of the
 * READMEs (apex LayerNorm, bias-GeLU) are separate kernels here.
 *
 * <p><b>Calibration and held-out rows.</b> No constant was chosen or fitted on any of these rows: the
 * mixed-precision terms are the frameworks' documented behaviour (which ops stay fp32, what is cast,
 * what loss scaling moves) priced by the simulator's existing kernel classes. The four PyTorch pairs
 * (A100 80GB: pre-training at 128 and 512, SQuAD; V100 32GB: SQuAD) were the rows looked at while the
 * terms were written; the six TensorFlow pairs (V100 16GB and A100 40GB: pre-training at 128 and 512,
 * SQuAD) are held out, their error reported separately. Left out: the V100 32GB PyTorch pre-training
 * pairs (the README's batch column is the accumulated batch, so the micro-batch is unknown), and the
 * Transformer-XL, GNMT and Transformer-big rows (relative attention with memory and an adaptive softmax,
 * an LSTM, an encoder-decoder: none is a family this planner expands).
 *
 * <p>Error when written, |ln(sim ratio / measured ratio)| (sim / measured speed-up): calibration
 * A100-80 s128 0.161 (2.15 / 1.83), s512 0.007 (1.90 / 1.91), SQuAD 0.056 (1.90 / 1.80), V100-32 SQuAD
 * 0.022 (4.24 / 4.33): mean 0.062; held out V100-16 s128 0.200 (4.16 / 3.41), s512 0.210 (3.62 / 2.93),
 * SQuAD 0.118 (3.59 / 4.04), A100-40 s128 0.256 (1.94 / 1.50), s512 0.032 (1.83 / 1.77), SQuAD 0.126
 * (1.89 / 1.67): mean 0.157. With {@link MixedPrecision#MASTER}'s layout instead (16-bit weights and
 * activations throughout: what the simulator did for every 16-bit workload before autocast existed, but
 * for the fp16 overflow check) the errors are a mean 0.262 / 0.370, speed-ups 1.3 to 1.6 times the
 * measured ones. The largest remaining errors are the GEMM-bound pairs at sequence 128: on the A100 the
 * simulator's fp32 (TF32) GEMMs, whose A100 curve is the H100 XLA table's scaled by the ratio of peaks
 * ({@link GemmModel}), are slower than the README's TF32 step (4.0 against 3.2 ms a sample at batch 32),
 * which inflates the simulated speed-up; that is the GEMM curve, not mixed precision.
 */
class MixedPrecisionEndToEndTest {

    /** Tolerance of one pair: the simulated speed-up within a factor e^0.30 = 1.35 of the measured one. */
    static final double ROW_TOLERANCE = 0.30;
    /** Tolerance of the mean error over a set of pairs. */
    static final double MEAN_TOLERANCE = 0.20;

    private static final DeviceCatalog CATALOG = DeviceCatalog.builtin();
    private final SimBackend sim = new SimBackend();

    /**
     * One measured pair: the row's source prefix and sequence length select it in the CSV.
     *
     * @param source    the start of the {@code source} column of both rows
     * @param device    our catalog's device for the row's GPU
     * @param seq       tokens per sample
     * @param fp32Batch the fp32 (TF32) row's per-GPU batch
     * @param ampBatch  the mixed-precision row's per-GPU batch
     * @param heldOut   whether the pair is held out
     */
    record Pair(String source, String device, int seq, int fp32Batch, int ampBatch, boolean heldOut) {
    }

    private static final String PT = "NVIDIA/DeepLearningExamples@729963dd:PyTorch/LanguageModeling/BERT/README.md | ";
    private static final String TF = "NVIDIA/DeepLearningExamples@729963dd:TensorFlow/LanguageModeling/BERT/README.md | ";

    static final List<Pair> PAIRS = List.of(
            new Pair(PT + "'Pre-training NVIDIA DGX A100 (8x A100 80GB)', row GPUs=1 seq 128", "a100-sxm-80gb", 128, 128, 256, false),
            new Pair(PT + "'Pre-training NVIDIA DGX A100 (8x A100 80GB)', row GPUs=1 seq 512", "a100-sxm-80gb", 512, 16, 32, false),
            new Pair(PT + "'Fine-tuning NVIDIA DGX A100 (8x A100 80GB)' SQuAD", "a100-sxm-80gb", 384, 32, 32, false),
            new Pair(PT + "'Fine-tuning NVIDIA DGX-1 With 32G' SQuAD", "v100-sxm-32gb", 384, 8, 16, false),
            new Pair(TF + "'Pre-training training performance: single-node on DGX-1 16GB', row GPUs=1 seq 128", "v100-sxm-16gb", 128, 8, 16, true),
            new Pair(TF + "'Pre-training training performance: single-node on DGX-1 16GB', row GPUs=1 seq 512", "v100-sxm-16gb", 512, 2, 4, true),
            new Pair(TF + "'Fine-tuning training performance for SQuAD v1.1 on DGX-1 16GB'", "v100-sxm-16gb", 384, 2, 4, true),
            new Pair(TF + "'Pre-training training performance: single-node on DGX A100 40GB', row GPUs=1 seq 128", "a100-sxm-40gb", 128, 64, 64, true),
            new Pair(TF + "'Pre-training training performance: single-node on DGX A100 40GB', row GPUs=1 seq 512", "a100-sxm-40gb", 512, 8, 16, true),
            new Pair(TF + "'Fine-tuning training performance for SQuAD v1.1 on DGX A100 40GB'", "a100-sxm-40gb", 384, 16, 32, true));

    /** The measured throughput of the pair's fp32 (index 0) and mixed (index 1) rows. */
    private static double[] measured(Pair p, List<Csv.Line> rows) {
        double[] out = {Double.NaN, Double.NaN};
        for (Csv.Line l : rows) {
            List<String> f = l.fields();
            if (!f.get(0).startsWith(p.source()) || !f.get(7).equals("training throughput")) {
                continue;
            }
            boolean amp = f.get(3).startsWith("AMP");
            assertTrue(Double.isNaN(out[amp ? 1 : 0]), "two rows for " + p.source());
            out[amp ? 1 : 0] = Double.parseDouble(f.get(8));
            String batch = f.get(4);
            assertTrue(batch.startsWith(Integer.toString(amp ? p.ampBatch() : p.fp32Batch())),
                    p.source() + ": the row's batch is " + batch);
        }
        assertTrue(!Double.isNaN(out[0]) && !Double.isNaN(out[1]), "no pair of rows for " + p.source());
        return out;
    }

    private double msPerSample(Pair p, Precision prec, MixedPrecision mp, int batch) {
        Workload w = new Workload(ModelSpec.of(Family.BERT, 24, 1024, 16, null, 4096, 30522),
                new TrainingConfig(p.seq(), batch, prec, OptimizerKind.ADAM, AttentionKind.NAIVE, mp),
                CATALOG.get(p.device()));
        return sim.replay(Planner.schedule(w, Strategy.parse("keep"))).seconds() * 1e3 / batch;
    }

    /** |ln(simulated speed-up / measured speed-up)| of every pair, with the given mixed precision. */
    private double[] errors(List<Csv.Line> rows, MixedPrecision mp) {
        double[] out = new double[PAIRS.size()];
        for (int i = 0; i < out.length; i++) {
            Pair p = PAIRS.get(i);
            double[] m = measured(p, rows);
            double simRatio = msPerSample(p, Precision.FP32, MixedPrecision.MASTER, p.fp32Batch())
                    / msPerSample(p, Precision.FP16, mp, p.ampBatch());
            out[i] = Math.abs(Math.log(simRatio / (m[1] / m[0])));
        }
        return out;
    }

    private static double mean(double[] e, boolean heldOut) {
        double s = 0;
        int n = 0;
        for (int i = 0; i < e.length; i++) {
            if (PAIRS.get(i).heldOut() == heldOut) {
                s += e[i];
                n++;
            }
        }
        return s / n;
    }

    private static List<Csv.Line> rows() throws IOException {
        try (InputStream in = MixedPrecisionEndToEndTest.class.getResourceAsStream("e2e_training_measured.csv")) {
            assertNotNull(in, "e2e_training_measured.csv");
            List<Csv.Line> all = Csv.read(new String(in.readAllBytes(), StandardCharsets.UTF_8), "e2e_training_measured.csv");
            assertEquals("source", all.get(0).fields().get(0));
            return new ArrayList<>(all.subList(1, all.size()));
        }
    }

    @Test
    void autocastSpeedUpsOverFp32AreWithinToleranceOfTheMeasuredOnesOnCalibrationAndHeldOutPairs() throws IOException {
        double[] e = errors(rows(), MixedPrecision.AUTOCAST);
        for (int i = 0; i < e.length; i++) {
            assertTrue(e[i] <= ROW_TOLERANCE, PAIRS.get(i) + ": |ln(sim/measured)| = " + e[i]);
        }
        assertTrue(mean(e, false) <= MEAN_TOLERANCE, "calibration mean " + mean(e, false));
        assertTrue(mean(e, true) <= MEAN_TOLERANCE, "held-out mean " + mean(e, true));
    }

    @Test
    void sixteenBitActivationsThroughoutOverstateTheSpeedUpThatAutocastExplains() throws IOException {
        List<Csv.Line> rows = rows();
        double[] master = errors(rows, MixedPrecision.MASTER);
        double[] autocast = errors(rows, MixedPrecision.AUTOCAST);
        // the frameworks that measured these ran autocast: the all-16-bit layout misses its fp32 work and casts
        assertTrue(mean(master, true) > 1.5 * mean(autocast, true), mean(master, true) + " vs " + mean(autocast, true));
        assertTrue(mean(master, false) > 1.5 * mean(autocast, false), mean(master, false) + " vs " + mean(autocast, false));
    }
}
