//! `TOTP.provisioning_uri`, `HOTP.provisioning_uri` and `TOTP.at`: compiled methods that read
//! CPython's fastcall arguments themselves.
//!
//! PyO3 gives a method that takes `**kwargs` its arguments as a tuple and a dict built on every
//! call, and a Python method over a positional function costs a frame and a dict of its own:
//! either was a third of the call. These methods are `METH_FASTCALL | METH_KEYWORDS` C methods
//! installed on the classes when the extension loads: they take the keyword names CPython
//! passes and build a dict only for keywords other than their own.
//!
//! `TOTP.at(t)` takes no keywords: its C method goes straight to the code, without PyO3's
//! argument binding and call wrapper (a tenth of a one-shot `TOTP(s).at(t)`); any other call
//! (`counter_offset=`, a wrong number of arguments) is handed to PyO3's binding of the same
//! method, so argument errors read as PyO3's.

use super::arg::Arg;
use super::hotp::{self, Hotp};
use super::totp::{self, Totp};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::ffi;
use pyo3::panic::PanicException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use std::ffi::CString;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The named keywords of one call, in the order of the method's parameters, and the others.
struct Keywords<'py, const N: usize> {
    named: [Option<Bound<'py, PyAny>>; N],
    extra: Option<Bound<'py, PyDict>>,
}

impl<'py, const N: usize> Keywords<'py, N> {
    /// Binds a fastcall's arguments to keyword-only `names` and `**kwargs`; a positional
    /// argument raises Python's TypeError for `method`.
    ///
    /// # Safety
    /// `args`, `nargs` and `kwnames` are what CPython passed to a `METH_FASTCALL |
    /// METH_KEYWORDS` method: `nargs` positional values, then one value per name in the
    /// `kwnames` tuple (NULL when there are none).
    unsafe fn bind(
        py: Python<'py>,
        (args, nargs, kwnames): (
            *const *mut ffi::PyObject,
            ffi::Py_ssize_t,
            *mut ffi::PyObject,
        ),
        names: [&str; N],
        method: &str,
    ) -> PyResult<Self> {
        if nargs != 0 {
            return Err(PyTypeError::new_err(format!(
                "{method}() takes 1 positional argument but {} were given",
                nargs + 1
            )));
        }
        let mut keywords = Self {
            named: [const { None }; N],
            extra: None,
        };
        if kwnames.is_null() {
            return Ok(keywords);
        }
        // SAFETY: a non-null `kwnames` is a tuple of the keyword names (strs), each with its
        // value in `args` after the positional ones (none here), all alive for the call.
        let kwnames = unsafe { Borrowed::from_ptr(py, kwnames).cast_unchecked::<PyTuple>() };
        for (i, key) in kwnames.iter().enumerate() {
            // SAFETY: see above: with no positional values, `args[i]` is the `i`th keyword's.
            let value = unsafe { Borrowed::from_ptr(py, *args.add(i)) }.to_owned();
            let key = key.cast_into::<PyString>()?;
            // A name UTF-8 cannot encode is no parameter's: `build_uri` reports it.
            let text = key.to_str().ok();
            match names.iter().position(|name| Some(*name) == text) {
                Some(slot) => keywords.named[slot] = Some(value),
                None => keywords
                    .extra
                    .get_or_insert_with(|| PyDict::new(py))
                    .set_item(key, value)?,
            }
        }
        Ok(keywords)
    }
}

/// Runs a C function's body as PyO3's own wrappers do: a Rust panic becomes
/// `PanicException`, an error the raised exception.
///
/// # Safety
/// Called from a C function, so the thread is attached to the interpreter.
pub(super) unsafe fn run<T>(
    body: impl for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, T>>,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls methods with the thread attached.
    let py = unsafe { Python::assume_attached() };
    let err = match catch_unwind(AssertUnwindSafe(|| body(py))) {
        Ok(Ok(text)) => return text.into_ptr(),
        Ok(Err(err)) => err,
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "panic from Rust code".to_owned());
            PanicException::new_err((message,))
        }
    };
    err.restore(py);
    std::ptr::null_mut()
}

/// `TOTP.provisioning_uri(*, name=None, issuer_name=None, **kwargs)`.
unsafe extern "C" fn totp_provisioning_uri(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this with the thread attached, `slf` an instance of the class
    // the descriptor belongs to (checked again below), and the fastcall arguments.
    unsafe {
        run(|py| {
            let otp = Borrowed::from_ptr(py, slf).cast::<Totp>()?;
            let arguments = (args, nargs, kwnames);
            let Keywords {
                named: [name, issuer_name],
                extra,
            } = Keywords::bind(
                py,
                arguments,
                ["name", "issuer_name"],
                "TOTP.provisioning_uri",
            )?;
            totp::provisioning_uri(&otp, name, issuer_name, extra.as_ref())
        })
    }
}

/// `HOTP.provisioning_uri(*, name=None, initial_count=None, issuer_name=None, **kwargs)`.
unsafe extern "C" fn hotp_provisioning_uri(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: as for `totp_provisioning_uri`.
    unsafe {
        run(|py| {
            let otp = Borrowed::from_ptr(py, slf).cast::<Hotp>()?;
            let arguments = (args, nargs, kwnames);
            let Keywords {
                named: [name, initial_count, issuer_name],
                extra,
            } = Keywords::bind(
                py,
                arguments,
                ["name", "initial_count", "issuer_name"],
                "HOTP.provisioning_uri",
            )?;
            hotp::provisioning_uri(&otp, name, initial_count, issuer_name, extra.as_ref())
        })
    }
}

/// PyO3's binding of `TOTP.at`, which every call other than `at(for_time)` goes to.
static AT_BOUND_BY_PYO3: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// `TOTP.at(for_time, *, counter_offset=0)`: one positional argument and no keywords go
/// straight to [`Totp::code_at_time`]; anything else to PyO3's binding ([`AT_BOUND_BY_PYO3`]).
unsafe extern "C" fn totp_at(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: as for `totp_provisioning_uri`.
    unsafe {
        run(|py| {
            let otp = Borrowed::from_ptr(py, slf);
            if nargs == 1 && kwnames.is_null() {
                let for_time = Borrowed::from_ptr(py, *args);
                let otp = otp.cast::<Totp>()?;
                return Totp::code_at_time(&otp, &for_time, Arg::Default(0));
            }
            let (positional, keywords) = classic_arguments(py, Some(otp), args, nargs, kwnames)?;
            let general = AT_BOUND_BY_PYO3
                .get(py)
                .ok_or_else(|| PyRuntimeError::new_err("TOTP.at is not installed"))?;
            general.bind(py).call(positional, keywords.as_ref())
        })
    }
}

/// Installs `at` on `TOTP` as a C method, with PyO3's binding's signature and docstring, and
/// keeps PyO3's binding for the other calls.
fn install_at(class: &Bound<'_, PyType>) -> PyResult<()> {
    let py = class.py();
    let general = class.getattr("__dict__")?.get_item("at")?;
    let doc = signature_doc("at", &general)?;
    AT_BOUND_BY_PYO3.set(py, general.unbind()).ok();
    install(class, c"at", totp_at, doc)
}

/// A fastcall's arguments as a classic call's tuple and dict (`first`, when given, ahead of the
/// positional ones), for handing the call to a binding that takes those.
///
/// # Safety
/// `args`, `nargs` and `kwnames` are what CPython passed to a fastcall or vectorcall function:
/// `nargs` positional values, then one value per name in the `kwnames` tuple (NULL when none).
pub(super) unsafe fn classic_arguments<'py>(
    py: Python<'py>,
    first: Option<Borrowed<'_, 'py, PyAny>>,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> PyResult<(Bound<'py, PyTuple>, Option<Bound<'py, PyDict>>)> {
    let count = usize::try_from(nargs).unwrap_or_default();
    // SAFETY: the caller's contract: `args[i]` is the `i`th value, positional then keyword.
    let value = |i: usize| unsafe { Borrowed::from_ptr(py, *args.add(i)) };
    let values: Vec<_> = first.into_iter().chain((0..count).map(value)).collect();
    let positional = PyTuple::new(py, values)?;
    // SAFETY: the caller's contract: a non-null `kwnames` is the tuple of keyword names.
    let Some(names) = (unsafe { Borrowed::from_ptr_or_opt(py, kwnames) }) else {
        return Ok((positional, None));
    };
    let keywords = PyDict::new(py);
    // SAFETY: as above, a tuple.
    for (i, name) in unsafe { names.cast_unchecked::<PyTuple>() }
        .iter()
        .enumerate()
    {
        keywords.set_item(name, value(count + i))?;
    }
    Ok((positional, Some(keywords)))
}

/// The docstring of a C function standing in for PyO3's `binding` of `name`: the binding's
/// signature (`name(...)\n--\n\n`, which `inspect.signature` reads) and its text, kept for the
/// life of the process.
pub(super) fn signature_doc(
    name: &str,
    binding: &Bound<'_, PyAny>,
) -> PyResult<&'static std::ffi::CStr> {
    let doc = format!(
        "{name}{}\n--\n\n{}",
        binding.getattr("__text_signature__")?,
        binding.getattr("__doc__")?
    );
    let doc = CString::new(doc).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    Ok(Box::leak(doc.into_boxed_c_str()))
}

/// The definition of a fastcall C function, kept for the life of the process.
pub(super) fn method_def(
    name: &'static std::ffi::CStr,
    method: ffi::PyCFunctionFastWithKeywords,
    doc: &'static std::ffi::CStr,
) -> &'static mut ffi::PyMethodDef {
    Box::leak(Box::new(ffi::PyMethodDef {
        ml_name: name.as_ptr(),
        ml_meth: ffi::PyMethodDefPointer {
            PyCFunctionFastWithKeywords: method,
        },
        ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
        ml_doc: doc.as_ptr(),
    }))
}

/// Installs a C method on `class` (kept for the life of the process).
fn install(
    class: &Bound<'_, PyType>,
    name: &'static std::ffi::CStr,
    method: ffi::PyCFunctionFastWithKeywords,
    doc: &'static std::ffi::CStr,
) -> PyResult<()> {
    let def = method_def(name, method, doc);
    // SAFETY: `class` is a type object and `def` a method definition that is never freed.
    let descriptor = unsafe {
        Bound::from_owned_ptr_or_err(class.py(), ffi::PyDescr_NewMethod(class.as_type_ptr(), def))?
    };
    class.setattr(name.to_string_lossy().as_ref(), descriptor)
}

/// Installs the methods (once, when the extension loads).
pub fn install_methods(py: Python<'_>) -> PyResult<()> {
    install_at(&py.get_type::<Totp>())?;
    install(
        &py.get_type::<Totp>(),
        c"provisioning_uri",
        totp_provisioning_uri,
        c"provisioning_uri($self, /, *, name=None, issuer_name=None, **kwargs)\n--\n\nThe ``otpauth://totp/...`` URI for authenticator apps.",
    )?;
    install(
        &py.get_type::<Hotp>(),
        c"provisioning_uri",
        hotp_provisioning_uri,
        c"provisioning_uri($self, /, *, name=None, initial_count=None, issuer_name=None, **kwargs)\n--\n\nThe ``otpauth://hotp/...`` URI for authenticator apps.",
    )
}
