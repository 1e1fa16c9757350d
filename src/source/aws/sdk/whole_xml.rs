//! An XML answer that stops before its root element closes is not an answer.
//!
//! The SDK's XML readers (RDS's query protocol, Route 53's REST-XML) stop quietly where a
//! document ends: a listing cut after its first instance parses as a listing of one, and a
//! fleet shown from it would look complete while it is not. HTTP framing catches most cuts on
//! the wire; this catches the rest (a proxy or a server that ends the document early but the
//! message cleanly), so such an answer fails the call as unreadable ("cannot tell") instead.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Fails a successful XML answer whose root element is never closed.
#[derive(Debug, Clone, Copy, Default)]
pub struct WholeXml;

impl Intercept for WholeXml {
    fn name(&self) -> &'static str {
        "WholeXml"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        // Error answers are read by the SDK for their code; a cut one is still an error.
        if !response.status().is_success() {
            return Ok(());
        }
        match response.body().bytes().and_then(cut_short) {
            Some(problem) => Err(problem.into()),
            None => Ok(()),
        }
    }
}

/// Why `body` is an XML document cut short, or `None` when it is whole or not XML at all
/// (JSON and CBOR answers pass untouched).
pub fn cut_short(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if !text.starts_with('<') {
        return None;
    }
    let root = root_name(text)?;
    let closed = text.ends_with(&format!("</{root}>")) || self_closed(text, root);
    (!closed).then(|| {
        format!(
            "the XML answer ends before its <{root}> element closes ({} bytes): it was cut short",
            body.len()
        )
    })
}

/// The name of the first element, after any `<?xml ...?>` declaration and comments.
fn root_name(text: &str) -> Option<&str> {
    let mut rest = text;
    loop {
        let start = rest.find('<')?;
        rest = &rest[start + 1..];
        if rest.starts_with('?') || rest.starts_with('!') {
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        return (end > 0).then(|| &rest[..end]);
    }
}

/// Whether the document is the root element alone, closed in its own tag (`<Root/>`).
fn self_closed(text: &str, root: &str) -> bool {
    text.find(&format!("<{root}"))
        .is_some_and(|at| text[at..].ends_with("/>") && text[at..].matches('<').count() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_document_passes() {
        let body = b"<?xml version=\"1.0\"?>\n<DescribeDBInstancesResponse xmlns=\"x\">\
            <DescribeDBInstancesResult/></DescribeDBInstancesResponse>\n";
        assert_eq!(cut_short(body), None);
        assert_eq!(cut_short(b"<Empty/>"), None);
    }

    #[test]
    fn a_document_cut_inside_is_named_by_its_root() {
        let body = b"<DescribeDBInstancesResponse><DBInstances><DBInstance><DBInstanceIdent";
        let problem = cut_short(body).expect("cut");
        assert!(
            problem.contains("<DescribeDBInstancesResponse>"),
            "{problem}"
        );
        assert!(cut_short(b"<?xml version=\"1.0\"?><Root><A/>").is_some());
    }

    #[test]
    fn answers_that_are_not_xml_are_left_to_their_own_readers() {
        assert_eq!(cut_short(b"{\"BackupJobs\": ["), None);
        assert_eq!(cut_short(&[0xA2, 0x66]), None);
        assert_eq!(cut_short(b""), None);
    }
}
