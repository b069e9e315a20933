//! What a resource is to the provider, after pulumi-go-provider's `infer`: a declaration plus a
//! lifecycle (create, read, update, delete, diff) on typed inputs and outputs. The per-call
//! context ([`Ctx`]) is an argument; failures are domain [`Error`]s. [`Registered`] erases the
//! types so one registry ([`super::RESOURCES`]) can hold every resource for the gRPC edge and the
//! schema alike; it converts [`Props`] to the typed values and back, and nothing else. Functions
//! (invokes) are the same in small: [`Function`], erased as [`RegisteredFunction`].

use std::future::Future;
use std::pin::Pin;
use tokio::time::Instant;

use crate::apigw::{Aws, Regional};
use crate::decl::diff::{self, DiffResult};
use crate::decl::props::Props;
use crate::decl::{FunctionDecl, ResourceDecl};
use crate::engine::EngineLog;
use crate::error::Error;

/// Typed properties built from [`Props`]. Lenient (what is absent or of another shape is
/// `None`): stored state of older releases and import requests hold less.
pub trait FromProps: Sized + Send + Sync {
    /// Takes the Props it is made from: their strings and maps move into the typed value.
    fn from_props(props: Props) -> Self;
}

/// Typed properties turned into [`Props`]; destructuring every field makes a forgotten one a
/// compile error.
pub trait IntoProps: Sized + Send + Sync {
    fn into_props(self) -> Props;
}

/// Both ways, as a resource's inputs and outputs go.
pub trait PropsCodec: FromProps + IntoProps {}

impl<T: FromProps + IntoProps> PropsCodec for T {}

/// What one RPC works with: the AWS clients (none while the provider's configuration is unknown),
/// the engine's log, the resource's URN, and whether the run is certainly a preview.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub aws: Option<&'a Aws>,
    pub engine: &'a EngineLog,
    pub urn: &'a str,
    /// `pulumi preview` started the plugin (see [`crate::launch`]): nothing in this run changes
    /// the cloud. False whenever that is not certain.
    pub preview: bool,
}

impl<'a> Ctx<'a> {
    /// The clients of `region` (the provider's own when `None`), or the precondition failure of
    /// an operation that needs them.
    pub fn aws(&self, operation: &str, region: Option<&str>) -> Result<Regional, Error> {
        let aws = self.aws.ok_or_else(|| {
            Error::Precondition(format!(
                "{operation}: the aws-apigatewayv2 provider is not configured yet (Configure was not called or its config is unknown)"
            ))
        })?;
        Ok(aws.region(region))
    }

    /// A warning to the user, attached to this resource.
    pub async fn warn(&self, message: &str) {
        self.engine.warn(self.urn, message).await;
    }

    /// A progress message attached to this resource; ephemeral ones vanish when the step ends.
    pub async fn info(&self, message: &str, ephemeral: bool) {
        self.engine.info(self.urn, message, ephemeral).await;
    }
}

/// A created object: its id and outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Created<O> {
    pub id: String,
    pub outputs: O,
}

/// A read object: its id, outputs, and the inputs that would produce it (for import).
#[derive(Debug, Clone, PartialEq)]
pub struct ReadResult<I, O> {
    pub id: String,
    pub outputs: O,
    pub inputs: I,
}

/// What Read finds: the object, or `None` when it is gone.
pub type ReadOutcome<I, O> = Result<Option<ReadResult<I, O>>, Error>;

/// What Diff compares: the stored outputs and inputs, the new checked inputs, the changes the
/// declaration's rules already found among the inputs, and the paths to ignore.
pub struct DiffInput<'a, I, O> {
    pub id: &'a str,
    pub old_outputs: O,
    pub old_inputs: I,
    pub news: I,
    pub planned: DiffResult,
    pub ignore_changes: &'a [String],
}

/// One page of a listing: at most `max` results (none: as many as AWS gives), from `token`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageRequest {
    pub max: Option<usize>,
    pub token: Option<String>,
}

/// A page of ids that Read accepts back, and where the next page starts (`None`: the last).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListPage {
    pub ids: Vec<String>,
    pub next: Option<String>,
}

/// A resource: its declaration and lifecycle on typed values.
pub trait Resource: Send + Sync + 'static {
    const DECL: &'static ResourceDecl;
    type Inputs: PropsCodec;
    type Outputs: PropsCodec;

    /// Check's part beyond the declared rules: inputs only AWS can give (the live values of the
    /// `checked_input` outputs). `existing` holds the stored outputs of a resource that exists
    /// (empty from engines that send none with Check), `None` for one being created.
    fn check(
        &self,
        _ctx: Ctx<'_>,
        news: Self::Inputs,
        _existing: Option<Self::Outputs>,
        _deadline: Instant,
    ) -> impl Future<Output = Self::Inputs> + Send {
        async move { news }
    }

    fn create(
        &self,
        ctx: Ctx<'_>,
        inputs: Self::Inputs,
        deadline: Instant,
    ) -> impl Future<Output = Result<Created<Self::Outputs>, Error>> + Send;

    /// Refresh and import. `None` when the object is gone.
    fn read(
        &self,
        ctx: Ctx<'_>,
        id: &str,
        old_outputs: Self::Outputs,
        old_inputs: Self::Inputs,
        deadline: Instant,
    ) -> impl Future<Output = ReadOutcome<Self::Inputs, Self::Outputs>> + Send;

    fn update(
        &self,
        ctx: Ctx<'_>,
        id: &str,
        olds: Self::Outputs,
        news: Self::Inputs,
        deadline: Instant,
    ) -> impl Future<Output = Result<Self::Outputs, Error>> + Send;

    /// Ok when the object is gone, whether this call deleted it or it already was.
    fn delete(
        &self,
        ctx: Ctx<'_>,
        id: &str,
        olds: Self::Outputs,
        old_inputs: Self::Inputs,
        deadline: Instant,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// One page of the objects `query` selects (the declaration's `list_inputs`, checked). Only
    /// resources that declare `list_inputs` are asked.
    fn list(
        &self,
        _ctx: Ctx<'_>,
        _query: Self::Inputs,
        _page: PageRequest,
        _deadline: Instant,
    ) -> impl Future<Output = Result<ListPage, Error>> + Send {
        async move { Err(Error::BadInput(format!("{} cannot be listed", Self::DECL.token))) }
    }

    /// The declared rules' changes, refined by what only the resource knows.
    fn diff(
        &self,
        ctx: Ctx<'_>,
        input: DiffInput<'_, Self::Inputs, Self::Outputs>,
        deadline: Instant,
    ) -> impl Future<Output = Result<DiffResult, Error>> + Send;
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A read object as properties.
pub type ReadProps = ReadResult<Props, Props>;

/// A resource with its types erased to [`Props`], as the registry holds it.
pub trait Registered: Send + Sync {
    fn decl(&self) -> &'static ResourceDecl;
    fn check<'a>(&'a self, ctx: Ctx<'a>, news: Props, existing: Option<Props>, deadline: Instant) -> BoxFuture<'a, Props>;
    fn create<'a>(&'a self, ctx: Ctx<'a>, inputs: &'a Props, deadline: Instant) -> BoxFuture<'a, Result<Created<Props>, Error>>;
    fn read<'a>(
        &'a self,
        ctx: Ctx<'a>,
        id: &'a str,
        old_outputs: &'a Props,
        old_inputs: &'a Props,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Option<ReadProps>, Error>>;
    fn update<'a>(
        &'a self,
        ctx: Ctx<'a>,
        id: &'a str,
        olds: &'a Props,
        news: &'a Props,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Props, Error>>;
    fn delete<'a>(
        &'a self,
        ctx: Ctx<'a>,
        id: &'a str,
        olds: &'a Props,
        old_inputs: &'a Props,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<(), Error>>;
    fn list<'a>(&'a self, ctx: Ctx<'a>, query: &'a Props, page: PageRequest, deadline: Instant) -> BoxFuture<'a, Result<ListPage, Error>>;
    #[allow(clippy::too_many_arguments)]
    /// Check and Diff, the calls every preview makes per resource, take their Props by value.
    fn diff<'a>(
        &'a self,
        ctx: Ctx<'a>,
        id: &'a str,
        old_outputs: Props,
        old_inputs: Props,
        news: Props,
        ignore_changes: &'a [String],
        deadline: Instant,
    ) -> BoxFuture<'a, Result<DiffResult, Error>>;
}

impl<R: Resource> Registered for R {
    fn decl(&self) -> &'static ResourceDecl {
        R::DECL
    }

    fn check<'a>(&'a self, ctx: Ctx<'a>, news: Props, existing: Option<Props>, deadline: Instant) -> BoxFuture<'a, Props> {
        Box::pin(async move {
            let existing = existing.map(R::Outputs::from_props);
            Resource::check(self, ctx, R::Inputs::from_props(news), existing, deadline)
                .await
                .into_props()
        })
    }

    fn create<'a>(&'a self, ctx: Ctx<'a>, inputs: &'a Props, deadline: Instant) -> BoxFuture<'a, Result<Created<Props>, Error>> {
        Box::pin(async move {
            let created = Resource::create(self, ctx, R::Inputs::from_props(inputs.clone()), deadline).await?;
            Ok(Created {
                id: created.id,
                outputs: created.outputs.into_props(),
            })
        })
    }

    fn read<'a>(
        &'a self,
        ctx: Ctx<'a>,
        id: &'a str,
        old_outputs: &'a Props,
        old_inputs: &'a Props,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Option<ReadProps>, Error>> {
        Box::pin(async move {
            let olds = R::Outputs::from_props(old_outputs.clone());
            let found = Resource::read(self, ctx, id, olds, R::Inputs::from_props(old_inputs.clone()), deadline).await?;
            Ok(found.map(|r| ReadResult {
                id: r.id,
                outputs: r.outputs.into_props(),
                inputs: r.inputs.into_props(),
            }))
        })
    }

    fn update<'a>(
        &'a self,
        ctx: Ctx<'a>,
        id: &'a str,
        olds: &'a Props,
        news: &'a Props,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Props, Error>> {
        Box::pin(async move {
            let olds = R::Outputs::from_props(olds.clone());
            let outputs = Resource::update(self, ctx, id, olds, R::Inputs::from_props(news.clone()), deadline).await?;
            Ok(outputs.into_props())
        })
    }

    fn delete<'a>(
        &'a self,
        ctx: Ctx<'a>,
        id: &'a str,
        olds: &'a Props,
        old_inputs: &'a Props,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let olds = R::Outputs::from_props(olds.clone());
            Resource::delete(self, ctx, id, olds, R::Inputs::from_props(old_inputs.clone()), deadline).await
        })
    }

    fn list<'a>(&'a self, ctx: Ctx<'a>, query: &'a Props, page: PageRequest, deadline: Instant) -> BoxFuture<'a, Result<ListPage, Error>> {
        Box::pin(async move { Resource::list(self, ctx, R::Inputs::from_props(query.clone()), page, deadline).await })
    }

    fn diff<'a>(
        &'a self,
        ctx: Ctx<'a>,
        id: &'a str,
        old_outputs: Props,
        old_inputs: Props,
        news: Props,
        ignore_changes: &'a [String],
        deadline: Instant,
    ) -> BoxFuture<'a, Result<DiffResult, Error>> {
        Box::pin(async move {
            let planned = diff::diff(R::DECL, &old_inputs, &news, ignore_changes);
            let input = DiffInput {
                id,
                old_outputs: R::Outputs::from_props(old_outputs),
                old_inputs: R::Inputs::from_props(old_inputs),
                news: R::Inputs::from_props(news),
                planned,
                ignore_changes,
            };
            Resource::diff(self, ctx, input, deadline).await
        })
    }
}

/// A function (invoke): its declaration and its call on typed arguments and result.
pub trait Function: Send + Sync + 'static {
    const DECL: &'static FunctionDecl;
    type Args: FromProps;
    type Result: IntoProps;

    fn invoke(&self, ctx: Ctx<'_>, args: Self::Args, deadline: Instant) -> impl Future<Output = Result<Self::Result, Error>> + Send;
}

/// A function with its types erased to [`Props`], as the registry holds it.
pub trait RegisteredFunction: Send + Sync {
    fn decl(&self) -> &'static FunctionDecl;
    fn invoke<'a>(&'a self, ctx: Ctx<'a>, args: &'a Props, deadline: Instant) -> BoxFuture<'a, Result<Props, Error>>;
}

impl<F: Function> RegisteredFunction for F {
    fn decl(&self) -> &'static FunctionDecl {
        F::DECL
    }

    fn invoke<'a>(&'a self, ctx: Ctx<'a>, args: &'a Props, deadline: Instant) -> BoxFuture<'a, Result<Props, Error>> {
        Box::pin(async move {
            let result = Function::invoke(self, ctx, F::Args::from_props(args.clone()), deadline).await?;
            Ok(result.into_props())
        })
    }
}
