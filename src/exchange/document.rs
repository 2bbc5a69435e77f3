//! Reading a JSON or YAML document, `{items: [...], links: [...]}`, one
//! record at a time: each element of a list is read into a value tree of
//! its own, turned into a record (with the path of any shape error), and
//! handed over before the next is read.

use std::fmt;
use std::io::{BufReader, Read};
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::record::{FileLink, ItemRecord};
use super::validate::{validate_link, Problem};
use super::{check_item, Incoming, Location, ReadError, Record, RecordError};

pub(super) fn read_json<R: Read, E>(
    input: R,
    mut handle: impl FnMut(Location, Record) -> Result<(), E>,
) -> Result<(), ReadError<E>> {
    let mut stopped = None;
    let mut de = serde_json::Deserializer::from_reader(BufReader::new(input));
    let read = Document::<serde_json::Value, E>::new(&mut handle, &mut stopped)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    finish(read, stopped, ReadError::Json)
}

pub(super) fn read_yaml<R: Read, E>(
    input: R,
    mut handle: impl FnMut(Location, Record) -> Result<(), E>,
) -> Result<(), ReadError<E>> {
    let mut stopped = None;
    let de = serde_norway::Deserializer::from_reader(input);
    let read = Document::<serde_norway::Value, E>::new(&mut handle, &mut stopped).deserialize(de);
    finish(read, stopped, ReadError::Yaml)
}

/// The handler's own error wins over the parse error it caused.
fn finish<P, E>(
    read: Result<(), P>,
    stopped: Option<E>,
    file_error: impl FnOnce(P) -> ReadError<E>,
) -> Result<(), ReadError<E>> {
    match (read, stopped) {
        (_, Some(e)) => Err(ReadError::Stopped(e)),
        (Err(e), None) => Err(file_error(e)),
        (Ok(()), None) => Ok(()),
    }
}

/// A value tree of one list element, read into a record.
trait Element: DeserializeOwned {
    fn into_record<T: DeserializeOwned>(self) -> Result<T, Problem>;
}

fn shape_problem<E: fmt::Display>(e: serde_path_to_error::Error<E>) -> Problem {
    let path = e.path().to_string();
    Problem {
        path: if path == "." { String::new() } else { path },
        message: e.into_inner().to_string(),
    }
}

impl Element for serde_json::Value {
    fn into_record<T: DeserializeOwned>(self) -> Result<T, Problem> {
        serde_path_to_error::deserialize(self).map_err(shape_problem)
    }
}

impl Element for serde_norway::Value {
    fn into_record<T: DeserializeOwned>(self) -> Result<T, Problem> {
        serde_path_to_error::deserialize(self).map_err(shape_problem)
    }
}

type Handler<'h, E> = dyn FnMut(Location, Record) -> Result<(), E> + 'h;

/// The top-level mapping.
struct Document<'a, 'h, V, E> {
    handle: &'a mut Handler<'h, E>,
    stopped: &'a mut Option<E>,
    element: PhantomData<V>,
}

impl<'a, 'h, V, E> Document<'a, 'h, V, E> {
    fn new(handle: &'a mut Handler<'h, E>, stopped: &'a mut Option<E>) -> Self {
        Document {
            handle,
            stopped,
            element: PhantomData,
        }
    }
}

impl<'de, V: Element, E> DeserializeSeed<'de> for Document<'_, '_, V, E> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, V: Element, E> Visitor<'de> for Document<'_, '_, V, E> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping with a list of items and, optionally, a list of links")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let section = match key.as_str() {
                "items" => Section::Items,
                "links" => Section::Links,
                other => return Err(de::Error::unknown_field(other, &["items", "links"])),
            };
            map.next_value_seed(List::<V, E> {
                section,
                handle: &mut *self.handle,
                stopped: &mut *self.stopped,
                element: PhantomData,
            })?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Section {
    Items,
    Links,
}

/// The `items` or `links` list, handed over element by element.
struct List<'a, 'h, V, E> {
    section: Section,
    handle: &'a mut Handler<'h, E>,
    stopped: &'a mut Option<E>,
    element: PhantomData<V>,
}

impl<'de, V: Element, E> DeserializeSeed<'de> for List<'_, '_, V, E> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, V: Element, E> Visitor<'de> for List<'_, '_, V, E> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(element) = seq.next_element::<V>()? {
            let at = match self.section {
                Section::Items => Location::Path(format!("items[{index}]")),
                Section::Links => Location::Path(format!("links[{index}]")),
            };
            let record = match self.section {
                Section::Items => item(at.clone(), element),
                Section::Links => link(at.clone(), element),
            };
            if let Err(e) = (self.handle)(at, record) {
                *self.stopped = Some(e);
                return Err(de::Error::custom("reading was stopped"));
            }
            index += 1;
        }
        Ok(())
    }
}

fn item<V: Element>(at: Location, element: V) -> Record {
    match element.into_record::<ItemRecord>() {
        Ok(record) => check_item(at, &record),
        Err(problem) => Err(RecordError {
            at,
            slug: None,
            problems: vec![problem],
        }),
    }
}

fn link<V: Element>(at: Location, element: V) -> Record {
    let record = element
        .into_record::<FileLink>()
        .map_err(|problem| vec![problem])
        .and_then(|record| validate_link(&record));
    record.map(Incoming::Link).map_err(|problems| RecordError {
        at,
        slug: None,
        problems,
    })
}
