//! A small element tree read with a real XML parser: the SVG must be well-formed (end
//! tags match, attributes are quoted and unique, entities are known), and the tests then
//! look at what a browser would see, with entities resolved.

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

#[derive(Debug, Default)]
pub struct Element {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
    /// The element's own text, entities resolved.
    pub text: String,
    pub children: Vec<usize>,
}

#[derive(Debug)]
pub struct Doc {
    pub elements: Vec<Element>,
}

impl Doc {
    /// Panics unless `xml` is one well-formed element.
    pub fn parse(xml: &str) -> Doc {
        let mut reader = Reader::from_str(xml);
        let mut elements: Vec<Element> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut roots = 0;
        let open = |e: &BytesStart<'_>, elements: &mut Vec<Element>, stack: &[usize]| -> usize {
            let mut attrs = BTreeMap::new();
            for a in e.attributes() {
                let a = a.expect("well-formed attribute");
                let key = a.key.as_ref().to_owned();
                let value = a
                    .normalized_value(XmlVersion::Implicit1_0)
                    .expect("known entities");
                assert!(
                    attrs.insert(key, value.into_owned()).is_none(),
                    "duplicate attribute"
                );
            }
            let name = e.name().as_ref().to_owned();
            let parent = stack.last().copied();
            elements.push(Element {
                name,
                attrs,
                ..Element::default()
            });
            let i = elements.len() - 1;
            if let Some(p) = parent {
                elements[p].children.push(i);
            }
            i
        };
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) => {
                    if stack.is_empty() {
                        roots += 1;
                    }
                    let i = open(&e, &mut elements, &stack);
                    stack.push(i);
                }
                Event::Empty(e) => {
                    if stack.is_empty() {
                        roots += 1;
                    }
                    open(&e, &mut elements, &stack);
                }
                Event::End(_) => {
                    stack.pop().expect("an end for every start");
                }
                Event::Text(t) => {
                    let t = t.xml10_content();
                    match stack.last() {
                        Some(&i) => elements[i].text.push_str(&t),
                        None => assert!(t.trim().is_empty(), "text outside the root: {t}"),
                    }
                }
                Event::GeneralRef(r) => {
                    let raw = format!("&{};", &*r);
                    let resolved = quick_xml::escape::unescape(&raw).expect("known entity");
                    let &i = stack.last().expect("entity inside an element");
                    elements[i].text.push_str(&resolved);
                }
                Event::Eof => break,
                Event::CData(_) | Event::PI(_) | Event::DocType(_) => panic!("unexpected markup"),
                _ => {}
            }
        }
        assert!(stack.is_empty(), "unclosed elements");
        assert_eq!(roots, 1, "one root element");
        Doc { elements }
    }

    pub fn root(&self) -> &Element {
        &self.elements[0]
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = (usize, &'a Element)> + 'a {
        self.elements
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.name == name)
    }

    /// Elements whose `class` attribute holds `class`.
    pub fn with_class<'a>(
        &'a self,
        class: &'a str,
    ) -> impl Iterator<Item = (usize, &'a Element)> + 'a {
        self.elements.iter().enumerate().filter(move |(_, e)| {
            e.attrs
                .get("class")
                .is_some_and(|c| c.split(' ').any(|c| c == class))
        })
    }

    pub fn children_named<'a>(
        &'a self,
        i: usize,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements[i]
            .children
            .iter()
            .map(|&c| &self.elements[c])
            .filter(move |e| e.name == name)
    }

    /// Text of the element and everything inside it.
    pub fn text_of(&self, i: usize) -> String {
        let mut s = self.elements[i].text.clone();
        for &c in &self.elements[i].children {
            s.push_str(&self.text_of(c));
        }
        s
    }

    /// `(width, height)` of the root's `viewBox="0 0 w h"`.
    pub fn view_box(&self) -> (f64, f64) {
        let vb: Vec<f64> = self.root().attrs["viewBox"]
            .split(' ')
            .map(|n| n.parse().expect("number"))
            .collect();
        assert_eq!(&vb[..2], &[0.0, 0.0]);
        (vb[2], vb[3])
    }
}
