package io.accessplan.predictor.emit;

import io.accessplan.features.Strategy;
import io.accessplan.features.Workload;
import io.accessplan.model.Choice;
import io.accessplan.predictor.Alternative;
import io.accessplan.predictor.Realisation;
import io.accessplan.predictor.Recommendation;
import io.accessplan.predictor.emit.ActivationMapping.Activation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A recommendation in a training framework's own words: the settings that realise the chosen
 * strategy ({@code FrameworkSettings.of(recommendation, Framework.DEEPSPEED).text()}).
 *
 * <p>Where the framework cannot express the chosen strategy (Transformers has no selective
 * recomputation, torchtitan no activation offload), the settings are those of the strategy the
 * framework can express that the model's own predictions rank first, by the same rule as the
 * recommendation itself ({@link Choice}, at its default tie tolerance), and the first note says so
 * in one line: what cannot be expressed, the nearest setting and its predicted cost.
 *
 * @param framework the framework
 * @param strategy  the recommended strategy
 * @param realised  the strategy the settings realise: the recommended one, or the nearest the framework has
 * @param text      the settings, in the framework's form ({@link Framework#format()})
 * @param notes     one line each: the cannot-express line first if any, then how to use the settings
 */
public record FrameworkSettings(Framework framework, Strategy strategy, Strategy realised, String text,
                                List<String> notes) {

    /** The settings of a recommendation in a framework. */
    public static FrameworkSettings of(Recommendation r, Framework f) {
        Workload w = r.workload();
        Attempt chosen = attempt(f, w, r.strategy());
        if (chosen.cannot() == null) {
            return new FrameworkSettings(f, r.strategy(), r.strategy(), chosen.text(), List.copyOf(chosen.notes()));
        }
        // the strategies the framework can express, with the model's predictions for them
        List<Strategy> strategies = new ArrayList<>();
        List<Alternative> alternatives = new ArrayList<>();
        for (Alternative a : r.alternatives()) {
            if (cannot(f, w, Realisation.of(w, a.strategy())) == null) {
                strategies.add(a.strategy());
                alternatives.add(a);
            }
        }
        if (strategies.isEmpty()) {
            throw new IllegalStateException(f.displayName() + " can express none of the candidates of " + w.canonical());
        }
        int n = strategies.size();
        double[] t = new double[n];
        double[] peak = new double[n];
        boolean[] fit = new boolean[n];
        for (int i = 0; i < n; i++) {
            t[i] = alternatives.get(i).predictedStepTimeMs();
            peak[i] = alternatives.get(i).predictedPeakMemoryBytes();
            fit[i] = alternatives.get(i).fits();
        }
        int best = Choice.decide(strategies, t, peak, fit, Choice.DEFAULT_TIE_TOLERANCE).chosen();
        Strategy nearest = strategies.get(best);
        Attempt near = attempt(f, w, nearest);
        String cost = fit[best]
                ? String.format(Locale.ROOT, "predicted %.1f ms a step, %+.1f%% against %s's %.1f ms", t[best],
                100 * (t[best] / r.predictedStepTimeMs() - 1), r.strategy(), r.predictedStepTimeMs())
                : String.format(Locale.ROOT, "predicted %.1f ms a step but %s", t[best], alternatives.get(best).whyLost());
        String line = f.displayName() + " cannot express " + r.strategy() + ": " + chosen.cannot() + "; nearest it has: "
                + nearest + " (" + describe(f, near.activation()) + "), " + cost;
        List<String> notes = new ArrayList<>();
        notes.add(line);
        notes.addAll(near.notes());
        return new FrameworkSettings(f, r.strategy(), nearest, near.text(), List.copyOf(notes));
    }

    /** The settings of one strategy of a workload, written without the recommendation's predictions (tests, tools). */
    public static FrameworkSettings of(Workload w, Realisation r, Framework f) {
        Attempt a = attempt(f, w, r);
        if (a.cannot() != null) {
            throw new IllegalArgumentException(f.displayName() + " cannot express " + r.strategy() + ": " + a.cannot());
        }
        return new FrameworkSettings(f, r.strategy(), r.strategy(), a.text(), List.copyOf(a.notes()));
    }

    /** The notes as one line each, joined by line breaks ("" when none). */
    public String notesText() {
        return String.join("\n", notes);
    }

    private record Attempt(String cannot, Activation activation, String text, List<String> notes) {
    }

    private static Attempt attempt(Framework f, Workload w, Strategy s) {
        return attempt(f, w, Realisation.of(w, s));
    }

    /** Why a framework cannot express a realisation, or null: without writing its settings. */
    private static String cannot(Framework f, Workload w, Realisation r) {
        Activation a = ActivationMapping.map(f, r);
        return a.cannot() != null ? a.cannot() : Renderer.of(f).cannot(w, r);
    }

    private static Attempt attempt(Framework f, Workload w, Realisation r) {
        Activation a = ActivationMapping.map(f, r);
        Renderer renderer = Renderer.of(f);
        String cannot = a.cannot() != null ? a.cannot() : renderer.cannot(w, r);
        if (cannot != null) {
            return new Attempt(cannot, a, null, List.of());
        }
        List<String> notes = new ArrayList<>();
        if (a.note() != null) {
            notes.add(a.note());
        }
        String text = renderer.render(w, r, a, notes);
        return new Attempt(null, a, text, notes);
    }

    /** The activation settings in a few words, for the cannot-express line. */
    private static String describe(Framework f, Activation a) {
        if (f == Framework.PYTORCH) {
            return "written below";
        }
        if (a.settings().isEmpty()) {
            return "no activation settings";
        }
        if (f == Framework.MEGATRON) {
            return a.settings().entrySet().stream()
                    .map(e -> e.getValue() instanceof Boolean ? e.getKey() : e.getKey() + " " + e.getValue())
                    .collect(Collectors.joining(" "));
        }
        return a.settings().entrySet().stream().map(e -> e.getKey() + "=" + value(f, e.getValue()))
                .collect(Collectors.joining(", "));
    }

    private static String value(Framework f, Object v) {
        if (f == Framework.HF) {
            return HfRenderer.literal(v);
        }
        if (v instanceof Map<?, ?> m) {
            // the entries that set something (DeepSpeed's section spells out its false defaults)
            return m.entrySet().stream().filter(e -> !Boolean.FALSE.equals(e.getValue()))
                    .map(e -> e.getKey() + ": " + value(f, e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}"));
        }
        return String.valueOf(v);
    }
}
