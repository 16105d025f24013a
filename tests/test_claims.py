"""Reported metrics read from sentences, and the figures a rendered page printed."""

from __future__ import annotations

import pytest
from example_fixtures import FIXTURES, line_of, tutobook

from toolkit.claims import claims_from_text, figures_from_rendered_md, normalise_metric_key
from toolkit.example import load_example, parse_example_text


def claims(text: str) -> list[tuple[str, str, float, str]]:
    return [
        (c.name, c.split, round(c.value, 6), c.qualifier)
        for c in claims_from_text(text, "prose", 1)
    ]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "A simple convnet that achieves ~99% test accuracy on MNIST.",
            [("accuracy", "test", 0.99, "approx")],
        ),
        (
            "The model reaches a validation accuracy of 0.86.",
            [("accuracy", "validation", 0.86, "exact")],
        ),
        ("The val_loss around 0.3 is expected.", [("loss", "validation", 0.3, "approx")]),
        (
            "We obtain a top-5 accuracy 75% on the test set.",
            [("top-5 accuracy", "test", 0.75, "exact")],
        ),
        (
            "We get to ~97% validation accuracy after 50 epochs.",
            [("accuracy", "validation", 0.97, "approx")],
        ),
        (
            "It should reach at least 80% accuracy on the validation set.",
            [("accuracy", "validation", 0.8, "at_least")],
        ),
        ("This gets over 95% accuracy on the test set.", [("accuracy", "test", 0.95, "at_least")]),
        ("The validation loss drops below 0.1.", [("loss", "validation", 0.1, "at_most")]),
        (
            "test accuracy 99% validation accuracy 98%",
            [("accuracy", "test", 0.99, "exact"), ("accuracy", "validation", 0.98, "exact")],
        ),
        (
            "It achieves 99% test accuracy and 98% validation accuracy.",
            [("accuracy", "test", 0.99, "exact"), ("accuracy", "validation", 0.98, "exact")],
        ),
        (
            "Training accuracy: 99.1%, val_accuracy: 0.97.",
            [("accuracy", "train", 0.991, "exact"), ("accuracy", "validation", 0.97, "exact")],
        ),
        ("A mean absolute error of 2.5 on the test set.", [("mae", "test", 2.5, "exact")]),
        (
            "The classifier scores an AUC of 0.93 on held-out data.",
            [("auc", "test", 0.93, "exact")],
        ),
        ("We achieve 95%+ validation accuracy.", [("accuracy", "validation", 0.95, "at_least")]),
        ("The model gets 97-98% test accuracy.", [("accuracy", "test", 0.97, "at_least")]),
        ("A PSNR of 30 dB on the test images.", [("psnr", "test", 30.0, "exact")]),
        (
            "Its top-1 accuracy is roughly 76.5% on validation.",
            [("accuracy", "validation", 0.765, "approx")],
        ),
        ("An R² of 0.81 on the test set.", [("r2", "test", 0.81, "exact")]),
        (
            "The mean IoU reaches 0.62 on validation images.",
            [("mean iou", "validation", 0.62, "exact")],
        ),
        ("The validation loss goes down to 0.25.", [("loss", "validation", 0.25, "exact")]),
        ("The model is better than 0.3 validation loss.", [("loss", "validation", 0.3, "at_most")]),
    ],
)
def test_claims_found(sentence: str, expected: list[tuple[str, str, float, str]]) -> None:
    assert claims(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "We resize images to 224x224 pixels and train for 50 epochs.",
        "We apply a dropout of 0.5 after the dense layer.",
        "We use 50% of the data for validation.",
        "We keep 20% of the samples as a validation split.",
        "We use a validation split of 0.2 and a batch size of 32.",
        "The learning rate of 0.001 works well with accuracy as the metric.",
        "This yields a 5% accuracy improvement.",
        "It improves accuracy by 2%.",
        "Accuracy improves 5% over the baseline.",
        "Random guessing gives 10% accuracy.",
        "A chance-level accuracy is 50%.",
        "The original paper reports 76% top-1 accuracy.",
        "State-of-the-art models reach 99.8% accuracy on this benchmark.",
        "We use mixed precision of 16 bits.",
        "ResNet-50 accuracy on CIFAR-10 is a classic baseline.",
        "Keras 3 and TensorFlow 2.16 are needed for accuracy metrics.",
        "Accuracy after 10 epochs is fine.",
        "The threshold of 0.5 turns probabilities into labels.",
        "We train on 60,000 images of 28x28 pixels for 15 epochs.",
        "The loss function weights 0.7 of the classes.",
        "An accuracy of 5 is impossible.",
        # Figures cited from papers or other work, not results of the example (issue 16).
        "The authors present a top-1 accuracy of 87.3% on ImageNet.",
        "Dosovitskiy et al. report 88.5% top-1 accuracy.",
        "A ViT-B/16 gets 81.8% accuracy for ImageNet.",
        "In the paper, the model reaches 93% test accuracy.",
        "The researchers show 95% accuracy with longer training.",
    ],
)
def test_numbers_that_are_not_claims(sentence: str) -> None:
    assert claims(sentence) == []


def test_split_defaults_to_test_and_says_so() -> None:
    [claim] = claims_from_text("The model reaches 91% accuracy.", "prose", 4)
    assert (claim.split, claim.explicit_split) == ("test", False)
    [claim] = claims_from_text("We train for 30 epochs and reach ~85% accuracy.", "prose", 4)
    assert (claim.split, claim.explicit_split, claim.epochs) == ("test", False, 30)


def test_epochs_sentence_raw_and_line_are_recorded() -> None:
    text = (
        "## Results\n\nSome intro text.\nAfter ten epochs we reach about\n88% validation accuracy."
    )
    [claim] = claims_from_text(text, "prose", 40)
    assert claim.epochs == 10
    assert claim.raw == "about 88% validation accuracy"
    assert claim.sentence == "After ten epochs we reach about 88% validation accuracy."
    assert claim.line == 43  # the sentence starts on the text's fourth line
    assert claim.origin == "prose"


def test_code_blocks_link_targets_and_images_in_prose_are_ignored() -> None:
    text = (
        "See [our post](https://example.org/accuracy-of-99).\n\n"
        "```python\nprint('test accuracy of 0.99')\n```\n\n"
        "![accuracy 97%](https://example.org/acc-97.png)\n"
    )
    assert claims_from_text(text, "prose", 1) == []
    [claim] = claims_from_text(
        "As [the post](https://e.org/x) says: 93% test accuracy.", "prose", 1
    )
    assert claim.value == 0.93  # a link's text is prose


def test_description_and_prose_claims_of_an_example() -> None:
    example = load_example(FIXTURES / "legacy_tf_keras.py")
    source = (FIXTURES / "legacy_tf_keras.py").read_text()
    found = [(m.origin, m.split, m.value, m.qualifier, m.line) for m in example.metrics]
    assert found == [
        ("description", "validation", 0.92, "at_least", line_of(source, "Description:")),
        ("prose", "test", 0.90, "exact", line_of(source, "With 15 epochs")),
        ("prose", "validation", 0.92, "at_least", line_of(source, "With 15 epochs")),
    ]
    assert example.metrics[1].epochs == 15


def test_prose_disagreeing_with_the_description_keeps_both() -> None:
    example = parse_example_text(
        tutobook(
            '''
        """
        In our runs the test accuracy was 0.95 instead.
        """
    ''',
            header='"""\nTitle: T\nDescription: Gets 97% test accuracy.\n"""\n',
        )
    )
    assert [(m.origin, m.value) for m in example.metrics] == [
        ("description", 0.97),
        ("prose", 0.95),
    ]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("val_accuracy", ("validation", "accuracy")),
        ("acc", ("train", "accuracy")),
        ("val_sparse_categorical_accuracy", ("validation", "accuracy")),
        ("sparse_top_k_categorical_accuracy", ("train", "top-5 accuracy")),
        ("val_top5_acc", ("validation", "top-5 accuracy")),
        ("auc_1", ("train", "auc")),
        ("val_mean_absolute_error", ("validation", "mae")),
        ("kl_loss", ("train", "kl_loss")),
        ("learning_rate", None),
        ("lr", None),
    ],
)
def test_keras_history_keys_are_normalised(key: str, expected: tuple[str, str] | None) -> None:
    assert normalise_metric_key(key) == expected


# -- rendered pages ------------------------------------------------------------------------------
def figures(name: str) -> dict[tuple[str, str, str], tuple[float, int | None, int | None]]:
    found = figures_from_rendered_md((FIXTURES / name).read_text())
    assert all(f.origin == "output" and f.qualifier == "exact" for f in found)
    return {
        ("epoch" if f.epochs else "printed", f.split, f.name): (f.value, f.epochs, f.line)
        for f in found
    }


def test_keras2_page_final_printed_metrics_and_last_epoch() -> None:
    page = (FIXTURES / "rendered_keras2.md").read_text()
    found = figures("rendered_keras2.md")
    last_epoch_line = line_of(page, "0.5003 - accuracy: 0.8204")
    assert found == {
        ("printed", "test", "loss"): (0.5301, None, line_of(page, "Test loss: 0.5301")),
        ("printed", "test", "accuracy"): (0.805, None, line_of(page, "Test accuracy: 80.50%")),
        ("epoch", "train", "loss"): (0.5003, 3, last_epoch_line),
        ("epoch", "train", "accuracy"): (0.8204, 3, last_epoch_line),
        ("epoch", "validation", "loss"): (0.51, 3, last_epoch_line),
        ("epoch", "validation", "accuracy"): (0.8123, 3, last_epoch_line),
    }


def test_keras3_page_uses_the_last_block_and_ignores_partial_and_evaluate_lines() -> None:
    found = figures("rendered_keras3.md")
    # The last fit() call trained one epoch without validation: that block is the one read.
    assert found == {
        ("epoch", "train", "loss"): (0.3901, 1, found[("epoch", "train", "loss")][2]),
        ("epoch", "train", "mae"): (0.4702, 1, found[("epoch", "train", "mae")][2]),
    }


def test_keras3_single_block_with_ansi_codes_and_lr_plateau_lines() -> None:
    page = (FIXTURES / "rendered_keras3.md").read_text()
    first_block = page[: page.index("model.fit(x, y, epochs=1)")]
    found = {(f.split, f.name): (f.value, f.epochs) for f in figures_from_rendered_md(first_block)}
    assert found == {
        ("train", "loss"): (0.4, 2),
        ("train", "mae"): (0.4801, 2),
        ("validation", "loss"): (0.1301, 2),
        ("validation", "mae"): (0.3502, 2),
    }


def test_page_without_fences_is_read_whole_and_python_blocks_are_not_outputs() -> None:
    assert [
        (f.name, f.value)
        for f in figures_from_rendered_md("Test accuracy: 0.91\nValidation loss = 0.2\n")
    ] == [("accuracy", 0.91), ("loss", 0.2)]
    page = '```python\nprint("Test accuracy: 0.5")\n```\n```\nsomething else\n```\n'
    assert figures_from_rendered_md(page) == []


def test_printed_labels_without_a_metric_are_ignored() -> None:
    page = "```\nx_train shape: (60000, 28, 28, 1)\nTotal params: 34,826\nEpoch 3: loss: 9\n```"
    assert figures_from_rendered_md(page) == []


def test_claims_in_a_long_text_keep_their_line_numbers():
    from toolkit.claims import claims_from_text

    text = "\n".join(
        f"Block {i}. The validation accuracy is about 0.{i % 90 + 10} here." for i in range(3000)
    )
    claims = claims_from_text(text, "prose", 10)
    assert len(claims) == 3000
    assert [c.line for c in claims[:3]] == [10, 11, 12] and claims[-1].line == 3009
