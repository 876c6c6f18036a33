//! Expected outputs were checked against `terraform fmt` (v1.11); where this
//! crate deliberately differs (trailing blank lines, whitespace at the end of
//! comments) the test says so.

use cairn_fmt::{format_source, FmtError};

/// Asserts the exact output and that formatting it again changes nothing.
#[track_caller]
fn check(input: &str, expected: &str) {
    let got = format_source(input).unwrap();
    assert_eq!(got, expected, "formatting {input:?}");
    let again = format_source(&got).unwrap();
    assert_eq!(again, got, "formatting is not idempotent for {input:?}");
}

#[test]
fn aligns_equals_in_attribute_runs() {
    check(
        "ami = \"abc\"\ninstance_type=\"t2.micro\"\ncount   =  2\n",
        "ami           = \"abc\"\ninstance_type = \"t2.micro\"\ncount         = 2\n",
    );
}

#[test]
fn blank_line_breaks_alignment_run() {
    check(
        "a = 1\nbbb = 2\n\ncccccc = 3\nd = 4\n",
        "a   = 1\nbbb = 2\n\ncccccc = 3\nd      = 4\n",
    );
}

#[test]
fn comment_line_breaks_alignment_run() {
    check("a = 1\n# about b\nbbb = 2\n", "a = 1\n# about b\nbbb = 2\n");
}

#[test]
fn nested_block_breaks_alignment_run() {
    check(
        "resource \"x\" \"y\" {\n  a = 1\n  bb = 2\n  tags {\n    k = \"v\"\n  }\n  cccc = 3\n  d = 4\n}\n",
        "resource \"x\" \"y\" {\n  a  = 1\n  bb = 2\n  tags {\n    k = \"v\"\n  }\n  cccc = 3\n  d    = 4\n}\n",
    );
}

#[test]
fn multi_line_value_breaks_alignment_run() {
    check(
        "a = 1\ntags = {\n  Name = \"x\"\n}\nbbbbbb = 2\n",
        "a = 1\ntags = {\n  Name = \"x\"\n}\nbbbbbb = 2\n",
    );
}

#[test]
fn fixes_bad_nested_indentation() {
    check(
        "resource \"aws_instance\" \"web\" {\n        ami = \"abc\"\n\tebs_block_device {\n device_name = \"sda\"\n          }\n   }\n",
        "resource \"aws_instance\" \"web\" {\n  ami = \"abc\"\n  ebs_block_device {\n    device_name = \"sda\"\n  }\n}\n",
    );
}

#[test]
fn normalizes_block_headers() {
    check(
        "resource   aws_instance    \"web\"{\n}\nlocals{}\nterraform   {\n}\n",
        "resource \"aws_instance\" \"web\" {\n}\nlocals {}\nterraform {\n}\n",
    );
}

#[test]
fn single_line_block_and_object_spacing() {
    check(
        "lifecycle {ignore_changes=[tags]}\nx = {a=1,b=2}\n",
        "lifecycle { ignore_changes = [tags] }\nx = { a = 1, b = 2 }\n",
    );
}

#[test]
fn keeps_all_comment_styles() {
    check(
        "# hash\n// slashes\n/* block\n   comment */\nfoo {\n# inside\n  a = 1 /* inline */\n}\n",
        "# hash\n// slashes\n/* block\n   comment */\nfoo {\n  # inside\n  a = 1 /* inline */\n}\n",
    );
}

#[test]
fn aligns_trailing_comments() {
    check(
        "a = 1 # one\nbbb = 22 // two\ncc = 3\n",
        "a   = 1  # one\nbbb = 22 // two\ncc  = 3\n",
    );
}

#[test]
fn leaves_heredoc_content_untouched() {
    check(
        "foo {\nscript = <<EOT\n  #!/bin/sh\n      echo   hi   \n EOT\nindented = <<-EOT\n    a = 1\n      b\n    EOT\n}\n",
        "foo {\n  script   = <<EOT\n  #!/bin/sh\n      echo   hi   \n EOT\n  indented = <<-EOT\n    a = 1\n      b\n    EOT\n}\n",
    );
}

#[test]
fn heredoc_interpolations_are_spaced_like_expressions() {
    check(
        "x = <<EOT\nhello ${ var.name }\nEOT\n",
        "x = <<EOT\nhello ${var.name}\nEOT\n",
    );
}

#[test]
fn reindents_multi_line_object() {
    check(
        "locals {\ntags = {\nName = \"web\"\n      Environment = \"prod\"\n  nested = {\n  a = 1\n  }\n}\n}\n",
        "locals {\n  tags = {\n    Name        = \"web\"\n    Environment = \"prod\"\n    nested = {\n      a = 1\n    }\n  }\n}\n",
    );
}

#[test]
fn reindents_multi_line_tuple() {
    check(
        "ports = [\n80,\n      443,\n  {\n  from = 1\n  to = 2\n  },\n]\n",
        "ports = [\n  80,\n  443,\n  {\n    from = 1\n    to   = 2\n  },\n]\n",
    );
}

#[test]
fn brackets_opened_on_one_line_indent_once() {
    // Terraform's own (odd-looking) layout for tuples of objects.
    check(
        "x = [{\na = 1\n}, {\nb = 2\n}]\n",
        "x = [{\n  a = 1\n  }, {\n  b = 2\n}]\n",
    );
}

#[test]
fn expression_spacing() {
    check(
        "a = foo(1,2 , 3)\nb = [for x in var.l: x if x!=null]\nc = {for k,v in var.m: k=>v...}\nd = var.l[0].name\ne = var.l[*].id\nf = 1 - -2\ng = !var.x&&var.y\nh = var.c ?1:2\ni = provider::aws::arn_parse(var.a)\n",
        "a = foo(1, 2, 3)\nb = [for x in var.l : x if x != null]\nc = { for k, v in var.m : k => v... }\nd = var.l[0].name\ne = var.l[*].id\nf = 1 - -2\ng = !var.x && var.y\nh = var.c ? 1 : 2\ni = provider::aws::arn_parse(var.a)\n",
    );
}

#[test]
fn multi_line_call_arguments() {
    check(
        "x = merge(\nvar.a,\n      {\n    b = 1\n  },\n)\n",
        "x = merge(\n  var.a,\n  {\n    b = 1\n  },\n)\n",
    );
}

#[test]
fn unwraps_interpolation_only_values() {
    check(
        "a = \"${var.x}\"\nb = \"${var.x}-suffix\"\nc = \"${var.x}${var.y}\"\nd = { k = \"${var.z}\" }\n",
        "a = var.x\nb = \"${var.x}-suffix\"\nc = \"${var.x}${var.y}\"\nd = { k = \"${var.z}\" }\n",
    );
}

#[test]
fn unwrapped_multi_line_interpolation_gets_parentheses() {
    check(
        "a = \"${\n  var.x ? 1 : 2\n}\"\nb = \"${var.x ?\n1 : 2}\"\n",
        "a = var.x ? 1 : 2\nb = (var.x ?\n1 : 2)\n",
    );
}

#[test]
fn modernizes_variable_types() {
    check(
        "variable \"a\" {\n  type = list\n}\nvariable \"b\" {\n  type = \"string\"\n}\nvariable \"c\" {\n  type = \"map\"\n  default = \"${local.d}\"\n}\n",
        "variable \"a\" {\n  type = list(any)\n}\nvariable \"b\" {\n  type = string\n}\nvariable \"c\" {\n  type    = map(string)\n  default = local.d\n}\n",
    );
}

#[test]
fn trailing_whitespace_removed() {
    // terraform fmt keeps blanks at the end of comments; we drop those too.
    check(
        "a = 1   \n# note   \nb {   \n  c = 2\t\n}  \n",
        "a = 1\n# note\nb {\n  c = 2\n}\n",
    );
}

#[test]
fn blank_lines_kept_inside_file_but_not_at_end() {
    // terraform fmt keeps trailing blank lines and a missing final newline;
    // we always end with exactly one line break.
    check("\na = 1\n\n\n\nb = 2\n\n\n\n", "\na = 1\n\n\n\nb = 2\n");
    check("a = 1", "a = 1\n");
    check("# only a comment", "# only a comment\n");
}

#[test]
fn empty_input_stays_empty() {
    check("", "");
    check("\n\n", "");
}

#[test]
fn crlf_line_endings_preserved() {
    check(
        "a = 1\r\nbb {\r\nc=2 # x\r\n}",
        "a = 1\r\nbb {\r\n  c = 2 # x\r\n}\r\n",
    );
}

#[test]
fn alignment_counts_grapheme_clusters() {
    // "é" written as e + combining accent is one column, as in Terraform:
    // the key is 6 columns wide but 7 chars long.
    check(
        "x = {\n  \"ne\u{301}ww\" = 1\n  bbbbbbb = 2\n}\n",
        "x = {\n  \"ne\u{301}ww\"  = 1\n  bbbbbbb = 2\n}\n",
    );
}

#[test]
fn template_directives_and_strip_markers() {
    check(
        "a = \"%{ if var.x }yes%{ else }no%{ endif }\"\nb = \"x${~ var.y ~}z\"\n",
        "a = \"%{if var.x}yes%{else}no%{endif}\"\nb = \"x${~var.y~}z\"\n",
    );
}

#[test]
fn tfvars_and_tftest_shapes() {
    check(
        "region=\"us-east-1\"\ninstance_count=3\n",
        "region         = \"us-east-1\"\ninstance_count = 3\n",
    );
    check(
        "run \"check\" {\ncommand = plan\nassert {\ncondition = var.a == \"b\"\nerror_message = \"bad\"\n}\n}\n",
        "run \"check\" {\n  command = plan\n  assert {\n    condition     = var.a == \"b\"\n    error_message = \"bad\"\n  }\n}\n",
    );
}

#[test]
fn syntax_error_reports_line_and_column() {
    let err = format_source("a = 1\nb = {\n  c = \n}\n").unwrap_err();
    match &err {
        FmtError::Syntax {
            file, line, column, ..
        } => {
            assert_eq!(file, "");
            assert_eq!((*line, *column), (3, 7));
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert!(
        err.to_string().starts_with("3:7: invalid expression"),
        "{err}"
    );
}

#[test]
fn line_break_inside_quoted_string_is_rejected() {
    // hcl-edit accepts this; Terraform does not, and neither do we.
    let err = format_source("a = 1\nb = \"x\ny\"\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "2:7: quoted strings may not be split over multiple lines; use \\n or a heredoc"
    );
}

#[test]
fn heredoc_marker_followed_by_code_is_rejected() {
    // hcl-edit would end the heredoc at `EOT`; Terraform would not.
    let err = format_source("a = x ? <<EOT\nhi\nEOT : 1\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "3:1: heredoc closing marker must be alone on its line"
    );
}
